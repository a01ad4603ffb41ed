#!/usr/bin/env node
/**
 * `node dist/app/install-slot.mjs --slots DIR BUNDLE [--deadline S]`: verifies BUNDLE
 * against the release keys this build ships with and installs it into the inactive slot of DIR
 * (seeding slot a when DIR is empty) — what the image build uses to lay out /opt/hearth/slots,
 * and the same code the hub runs for `hearth update apply`. Prints one line per phase.
 */
import { verifyBundle } from '../../src/update/bundle.js'
import { installBundle } from '../../src/update/install.js'
import { RELEASE_KEYS } from '../../src/update/trust-keys.js'
import { currentSlot, slotDir } from '../../src/update/slots.js'
import { MANIFEST_NAME } from '../../src/update/manifest.js'
import { promises as fsp } from 'node:fs'
import path from 'node:path'

export async function installSlot(argv: string[], out: (line: string) => void): Promise<void> {
  const i = argv.indexOf('--slots')
  const slots = i >= 0 ? argv[i + 1] : undefined
  const bundle = argv.filter((a, j) => !a.startsWith('--') && argv[j - 1] !== '--slots' && argv[j - 1] !== '--deadline')[0]
  if (!slots || !bundle) throw new Error('usage: install-slot --slots DIR BUNDLE')
  const d = argv.indexOf('--deadline')
  const active = await currentSlot(slots)
  let installed: string | undefined
  if (active) installed = (JSON.parse(await fsp.readFile(path.join(slotDir(slots, active), MANIFEST_NAME), 'utf8')) as { version: string }).version
  out('verifying')
  const opts = { trusted: RELEASE_KEYS, installed, allowDowngrade: argv.includes('--allow-downgrade') }
  const verified = await verifyBundle(bundle, opts)
  out('installing')
  const r = await installBundle(verified, { ...opts, slotsDir: slots, healthDeadlineSeconds: d >= 0 ? Number(argv[d + 1]) : 120, wallMs: Date.now() })
  out(`installed ${r.version} into slot ${r.slot}`)
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  installSlot(process.argv.slice(2), (l) => process.stdout.write(l + '\n')).catch((err: Error) => {
    process.stderr.write(`install-slot: ${err.message}\n`)
    process.exitCode = 1
  })
