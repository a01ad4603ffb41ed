#!/usr/bin/env node
/**
 * `npm run release -- --key <file> [--out DIR] [--min-version X.Y.Z] [--notes TEXT | --notes-file F]`
 *   builds a signed update bundle of the built app (run `npm run build` first) into
 *   DIR/hearth-<version>.hbundle. The key: a file holding the Ed25519 secret key as 128 hex
 *   characters, or the environment variable HEARTH_RELEASE_KEY (same format). It is read, used
 *   to sign, and never written anywhere.
 * `npm run release -- --keygen <file>` writes a new key pair: the secret key to <file> (0600,
 *   refuses to overwrite) and prints the public key line for src/update/trust-keys.ts.
 */
import { promises as fsp, readFileSync } from 'node:fs'
import path from 'node:path'
import { generateReleaseKey, keyId } from '../../src/update/manifest.js'
import { packageRoot, SUPPORT_END } from '../../src/system/paths.js'
import { appFiles } from './app-files.js'
import { writeBundle } from './bundle-writer.js'

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name)
  if (i < 0) return undefined
  const v = argv[i + 1]
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`)
  return v
}

function readKey(argv: string[], env: NodeJS.ProcessEnv): Buffer {
  const file = arg(argv, '--key')
  const text = file ? readFileSync(file, 'utf8') : env.HEARTH_RELEASE_KEY
  if (!text) throw new Error('no release key: pass --key <file> or set HEARTH_RELEASE_KEY')
  const hex = text.trim()
  if (!/^[0-9a-f]{128}$/.test(hex)) throw new Error('the release key must be 128 hex characters (an Ed25519 secret key)')
  return Buffer.from(hex, 'hex')
}

export async function release(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const keygen = arg(argv, '--keygen')
  if (keygen) {
    const { publicKey, secretKey } = generateReleaseKey()
    await fsp.writeFile(keygen, secretKey.toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
    secretKey.fill(0)
    return `secret key written to ${keygen} (keep it offline)\nadd to RELEASE_KEYS in src/update/trust-keys.ts:\n  { name: '<holder>', publicKey: '${publicKey.toString('hex')}' }, // key id ${keyId(publicKey)}`
  }
  const key = readKey(argv, env)
  const root = packageRoot()
  const pj = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  const notesFile = arg(argv, '--notes-file')
  const notes = notesFile ? readFileSync(notesFile, 'utf8') : (arg(argv, '--notes') ?? '')
  const outDir = arg(argv, '--out') ?? path.join(root, 'artifacts')
  await fsp.mkdir(outDir, { recursive: true })
  const out = path.join(outDir, `hearth-${pj.version}.hbundle`)
  const files = await appFiles(root, { nodeModules: !argv.includes('--no-node-modules') })
  const manifest = await writeBundle(
    out,
    files,
    { version: pj.version, minVersion: arg(argv, '--min-version') ?? '0.0.0', supportEnd: SUPPORT_END, notes, created: new Date().toISOString() },
    key,
  )
  const id = keyId(key.subarray(32))
  key.fill(0)
  return `${out}: version ${manifest.version}, ${manifest.files.length} files, signed by key ${id}`
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  release(process.argv.slice(2), process.env).then(
    (msg) => process.stdout.write(msg + '\n'),
    (err: Error) => {
      process.stderr.write(`release: ${err.message}\n`)
      process.exitCode = 1
    },
  )
