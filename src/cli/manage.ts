import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { Io } from './output.js'

/** Options a management command takes (besides the config flags). */
export const MANAGE_VALUE_FLAGS = new Set(['--kind', '--role', '--allow-pub', '--allow-sub', '--deny-pub', '--deny-sub', '--seconds'])

export interface ManageArgs {
  positional: string[]
  options: Record<string, string[]>
}

type Row = Record<string, unknown>

function table(rows: Row[], cols: string[]): string {
  if (rows.length === 0) return '(none)'
  const cell = (v: unknown) => (v === undefined ? '' : String(v))
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(w[i]!)).join('  ').trimEnd()
  return [line(cols), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n')
}

const need = (args: ManageArgs, i: number, what: string): string => {
  const v = args.positional[i]
  if (!v) throw new HubError('HUB_ERR_USAGE', `missing ${what} (see hearth --help)`)
  return v
}
const one = (args: ManageArgs, flag: string): string | undefined => {
  const v = args.options[flag]
  if (v && v.length > 1) throw new HubError('HUB_ERR_USAGE', `${flag} given more than once`)
  return v?.[0]
}

const SHOWN_ONCE = 'This token is shown once: store it in the device now. `rotate` issues a new one.'

/** `hearth device …` and `hearth account …`: management over the admin socket. */
export async function manage(noun: 'device' | 'account', config: Config, args: ManageArgs, json: boolean, io: Io): Promise<void> {
  const sock = path.join(config.dataDir, SOCKET_NAME)
  const verb = need(args, 0, `${noun} subcommand (add, list, remove, rotate${noun === 'device' ? ', kinds' : ''})`)
  const call = (method: string, params: Record<string, unknown> = {}) => adminCall(sock, `${noun}.${method}`, params)
  const out = (value: unknown, human: string) => io.out(json ? JSON.stringify(value) : human)
  switch (verb) {
    case 'add': {
      const name = need(args, 1, `${noun} name`)
      if (noun === 'device') {
        const kind = one(args, '--kind')
        if (!kind) throw new HubError('HUB_ERR_USAGE', 'device add needs --kind (see hearth device kinds)')
        const r = (await call('add', { name, kind })) as { id: string; token: string; reconnect?: { mode: string; baseMs: number; capMs: number } }
        const advice = r.reconnect ? `\n  reconnect: ${r.reconnect.mode} jitter, ${r.reconnect.baseMs} ms base, ${r.reconnect.capMs} ms cap (docs/device-makers.md)` : ''
        return out(r, `device ${r.id} added\n  username/client id: ${r.id}\n  token: ${r.token}${advice}\n${SHOWN_ONCE}`)
      }
      const role = one(args, '--role')
      if (role !== 'integration' && role !== 'custom') throw new HubError('HUB_ERR_USAGE', 'account add needs --role integration|custom')
      const grants = { allowPub: args.options['--allow-pub'], allowSub: args.options['--allow-sub'], denyPub: args.options['--deny-pub'], denySub: args.options['--deny-sub'] }
      const r = (await call('add', { name, role, ...Object.fromEntries(Object.entries(grants).filter(([, v]) => v)) })) as { username: string; token: string }
      return out(r, `account ${r.username} added\n  username: ${r.username}\n  token: ${r.token}\n${SHOWN_ONCE}`)
    }
    case 'list': {
      const rows = (await call('list')) as Row[]
      return out(rows, table(rows, noun === 'device' ? ['username', 'name', 'kind', 'createdAt'] : ['username', 'role', 'createdAt']))
    }
    case 'remove': {
      const id = need(args, 1, `${noun} id`)
      const r = await call('remove', { id })
      return out(r, `${noun} ${id} removed; its token no longer works`)
    }
    case 'rotate': {
      const id = need(args, 1, `${noun} id`)
      const r = (await call('rotate', { id })) as { token: string }
      return out(r, `new token for ${id}: ${r.token}\nThe old token stopped working. ${SHOWN_ONCE}`)
    }
    case 'kinds': {
      if (noun !== 'device') break
      const rows = (await adminCall(sock, 'device.kinds')) as Array<{ kind: string; description: string; fields: string[] }>
      return out(rows, table(rows.map((r) => ({ ...r, fields: r.fields.join(', ') })), ['kind', 'fields', 'description']))
    }
  }
  throw new HubError('HUB_ERR_USAGE', `unknown ${noun} subcommand ${verb} (see hearth --help)`)
}
