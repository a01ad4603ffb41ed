import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { ParsedArgs } from './args.js'
import type { Io } from './output.js'

interface Status {
  installed: { version: string; slot?: string }
  phase: string
  available?: { version: string; notes: string; created: string }
  check: { autoCheck: boolean; source: string; postponedUntil?: string; last?: { at: string; ok: boolean; message: string }; nextAt?: string }
  lastInstall?: { ok: boolean; version: string; fromVersion: string; at: string; reason?: string }
  integrity: { status: string; reason?: string; version?: string; problems?: string[]; lockdown: boolean; acknowledged?: boolean }
  canInstall: boolean
}

function human(s: Status): string {
  const i = s.integrity
  const lines = [
    `Installed: ${s.installed.version}${s.installed.slot ? ` (slot ${s.installed.slot})` : ''}`,
    `Integrity: ${i.status === 'verified' ? `verified against the signed manifest of ${i.version}` : i.status === 'failed' ? `FAILED — ${i.reason}${i.lockdown ? ' (network locked down: `hearth update ack` after you looked)' : ' (acknowledged)'}` : i.reason}`,
    ...(i.problems ?? []).map((p) => `  ${p}`),
    `Checks:    ${s.check.autoCheck ? 'automatic' : 'off'}${s.check.postponedUntil ? `, postponed until ${s.check.postponedUntil}` : ''}; source ${s.check.source || '(none)'}`,
  ]
  if (s.check.last) lines.push(`Last check: ${s.check.last.at} — ${s.check.last.message}`)
  if (s.available) lines.push(`Available: ${s.available.version} (${s.available.created})`, ...s.available.notes.split('\n').map((l) => `  ${l}`))
  if (s.lastInstall) lines.push(`Last update: ${s.lastInstall.fromVersion} → ${s.lastInstall.version} ${s.lastInstall.ok ? 'ok' : `ROLLED BACK: ${s.lastInstall.reason}`} (${s.lastInstall.at})`)
  if (s.phase !== 'idle') lines.push(`Now:       ${s.phase}`)
  return lines.join('\n')
}

/** `hearth update status | check | apply [BUNDLE] [--allow-downgrade] | auto on|off | postpone DAYS | ack`. */
export async function update(config: Config, args: ParsedArgs, json: boolean, io: Io): Promise<void> {
  const sock = path.join(config.dataDir, SOCKET_NAME)
  const [verb, arg, ...rest] = args.positional
  const out = (v: unknown, text: string) => io.out(json ? JSON.stringify(v) : text)
  if (rest.length > 0) throw new HubError('HUB_ERR_USAGE', 'too many arguments (see hearth --help)')
  switch (verb) {
    case 'status': {
      const s = (await adminCall(sock, 'update.status')) as Status
      return out(s, human(s))
    }
    case 'check': {
      const s = (await adminCall(sock, 'update.check', {}, 15 * 60_000)) as Status
      return out(s, s.available ? `version ${s.available.version} is available:\n${s.available.notes}` : (s.check.last?.message ?? 'no update'))
    }
    case 'apply': {
      const params = { ...(arg ? { bundle: path.resolve(arg) } : {}), ...(args.options['--allow-downgrade'] ? { allowDowngrade: true } : {}) }
      const r = (await adminCall(sock, 'update.apply', params, 30 * 60_000)) as { version: string; slot: string; restarting: boolean }
      return out(r, `version ${r.version} installed into slot ${r.slot}; ${r.restarting ? 'the hub restarts into it now and keeps it once its health check passes' : 'start the hub from the slots to run it'}`)
    }
    case 'auto': {
      if (arg !== 'on' && arg !== 'off') break
      const s = (await adminCall(sock, 'update.settings', { autoCheck: arg === 'on' })) as Status
      return out(s, `automatic update checks ${s.check.autoCheck ? 'on' : 'off'}`)
    }
    case 'postpone': {
      const days = Number(arg)
      if (!Number.isInteger(days) || days < 0 || days > 90) throw new HubError('HUB_ERR_USAGE', 'postpone takes a number of days, 0-90')
      const s = (await adminCall(sock, 'update.settings', { postponeDays: days })) as Status
      return out(s, s.check.postponedUntil ? `no automatic check before ${s.check.postponedUntil}` : 'postponement cleared')
    }
    case 'ack': {
      const r = await adminCall(sock, 'integrity.acknowledge')
      return out(r, 'integrity alert acknowledged; network lockdown lifted (reinstall a release to repair the files)')
    }
  }
  throw new HubError('HUB_ERR_USAGE', 'usage: hearth update status | check | apply [BUNDLE] [--allow-downgrade] | auto on|off | postpone DAYS | ack')
}
