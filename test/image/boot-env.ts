import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from '../../tools/image/disk.js'

/**
 * What the boot tests share: the built image, a work folder, the time limits. Software emulation
 * (TCG) on a busy 2-core machine boots the image to a ready hub in about 4 minutes; the limits
 * leave several times that (HEARTH_BOOT_TIMEOUT_MIN overrides the boot → ready limit).
 */
export const REPO = path.resolve('.')
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version
export const OUT = process.env.HEARTH_IMAGE_OUT ?? path.join(REPO, 'image', 'out')
export const IMAGE = path.join(OUT, `hearth-${VERSION}-arm64.img`)
if (!existsSync(IMAGE)) throw new Error(`no image at ${IMAGE}: run npm run image first (npm run test:image does)`)

export const READY_MS = Number(process.env.HEARTH_BOOT_TIMEOUT_MIN ?? 25) * 60_000
/** After the hub answers: the firewall helper (node --jitless under emulation) applies the policy. */
export const FIREWALL_MS = 10 * 60_000
/** One web request to the emulated board: a claim or login hashes the password (argon2id, 64 MiB), seconds under TCG. */
export const SLOW_MS = 90_000

export const HTTPS = 8443
export const MQTTS = 8883
/** No sshd and the firewall drops it: the port a householder's scan would try first. */
export const SSH = 22

/** A work folder removed at the end (console logs are kept in OUT instead). */
export function workDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A copy of `image` at `to`, 1 GiB bigger than the image, as a card bigger than the image is. */
export function biggerCard(image: string, to: string): void {
  run('cp', ['--sparse=always', image, to])
  run('truncate', ['-s', '+1G', to])
}
