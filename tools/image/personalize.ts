#!/usr/bin/env node
/**
 * `npm run image:personalize -- <image> --out <card.img> [--label <prefix>]`
 *
 * Makes a card image for one home from the built SD image: provisions a fresh hub identity (the
 * hub's own provisioning, into a private temporary folder), rebuilds the image's data partition
 * from it (ext4, files owned by the image's `hearth` user) and writes it into a copy of the image.
 * Then prints the label — setup code, a QR code for the setup page, the hub CA's fingerprint — and
 * writes it as <prefix>.txt, <prefix>.svg and <prefix>.png (QR code) (0600: the setup code is a
 * secret until the hub is claimed). No loop device, no mount, no root needed. Two runs share
 * nothing: every identifier and key comes from the CSPRNG.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { provisionHub } from '../../src/cli/provision.js'
import { ext4At, ext4FromDir, ext4Label, partitions, readExt4File, run, writeAt } from './disk.js'
import { labelSvg, labelText, qrPng, type LabelInfo } from './label.js'

const HTTP_PORT = 8443 // the image's hub runs with the default port (image/systemd/hearth.service)
const USAGE = 'usage: npm run image:personalize -- <image> --out <card.img> [--label <prefix>]'

function fail(message: string): never {
  process.stderr.write(`image:personalize: ${message}\n`)
  process.exit(1)
}

function parse(argv: string[]): { image: string; out: string; label: string } {
  let image = ''
  let out = ''
  let label = ''
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--out' || a === '--label') {
      const v = argv[++i]
      if (!v) fail(`${a} needs a value\n${USAGE}`)
      if (a === '--out') out = v
      else label = v
    } else if (a.startsWith('-')) fail(`unknown option ${a}\n${USAGE}`)
    else if (!image) image = a
    else fail(`one image only\n${USAGE}`)
  }
  if (!image || !out) fail(USAGE)
  if (path.resolve(image) === path.resolve(out)) fail('--out must be a new file, not the image itself')
  return { image, out, label: label || out.replace(/\.img$/, '') + '.label' }
}

/** The uid/gid of the image's `hearth` user, read from root A's /etc/passwd. */
function hubOwner(image: string, rootOffset: number): { uid: number; gid: number } {
  const passwd = readExt4File(ext4At(image, rootOffset), '/etc/passwd').toString('utf8')
  const m = /^hearth:[^:]*:(\d+):(\d+):/m.exec(passwd)
  if (!m) fail('the image has no hearth user in /etc/passwd: is it a Hearth image?')
  return { uid: Number(m[1]), gid: Number(m[2]) }
}

export async function personalize(argv: string[]): Promise<LabelInfo> {
  const { image, out, label } = parse(argv)
  try {
    statSync(image)
  } catch {
    fail(`no image at ${image} (build one with npm run image)`)
  }
  const table = partitions(image)
  const [, rootA, , data] = table.partitions
  if (table.label !== 'dos' || table.partitions.length !== 4 || !rootA || !data) fail(`${image}: not the Hearth layout (MBR, 4 partitions)`)
  if (ext4Label(image, data.offset) !== 'hearth-data') fail(`${image}: partition 4 is not the hearth-data file system`)
  if (ext4Label(image, rootA.offset) !== 'hearth-root-a') fail(`${image}: partition 2 is not hearth-root-a`)
  const owner = hubOwner(image, rootA.offset)

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-personalize-'))
  try {
    const dir = path.join(tmp, 'data')
    const info = await provisionHub(dir, { hostname: '', httpPort: HTTP_PORT, withSetupCode: true })
    const fs = path.join(tmp, 'data.ext4')
    ext4FromDir(dir, fs, { bytes: data.bytes, label: 'hearth-data', uid: owner.uid, gid: owner.gid })
    process.stderr.write(`image:personalize: copying ${image} → ${out}\n`)
    try {
      run('cp', ['--sparse=always', image, `${out}.tmp`])
      writeAt(`${out}.tmp`, fs, data.offset)
      run('mv', ['-f', `${out}.tmp`, out])
    } finally {
      rmSync(`${out}.tmp`, { force: true })
    }
    const l = info as LabelInfo
    writeFileSync(`${label}.txt`, labelText(l), { mode: 0o600 })
    writeFileSync(`${label}.svg`, labelSvg(l), { mode: 0o600 })
    writeFileSync(`${label}.png`, qrPng(l.setupUrl), { mode: 0o600 })
    process.stdout.write(labelText(l) + `\nCard image: ${out}\nLabel: ${label}.svg, ${label}.png (QR code), ${label}.txt — keep them safe until the hub is claimed.\n`)
    return l
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry)
  personalize(process.argv.slice(2)).catch((err: Error) => fail(err.message))
