import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { UplinkStatus } from '../uplink/service.js'
import { ask } from './owner.js'
import type { Io } from './output.js'

/** Value options of `hearth uplink enable`. */
export const UPLINK_VALUE_FLAGS = ['--username', '--ca-file']

const USAGE = 'usage: hearth uplink status | enable --username NAME [--ca-file PEM] (password on stdin) | disable'

/** Human summary of the uplink's state (the same facts as GET /api/v1/uplink). */
export function describeUplink(s: UplinkStatus): string {
  const c = s.connection
  const lines = [
    `Uplink: ${s.enabled ? 'ENABLED' : 'off'}${s.configured ? ` → ${s.url}` : ' (no uplink.url configured)'}`,
    `  topics: ${s.topics.join(', ')}  (remote prefix ${s.remotePrefix})`,
    s.consent ? `  consent: given by ${s.consent.by} at ${s.consent.atWall} (wall clock ${s.consent.wallClock})` : '  consent: not given',
    `  connection: ${c.state}${c.nextAttemptInMs !== null ? `, next attempt in ${Math.round(c.nextAttemptInMs / 1000)} s` : ''}, attempts ${c.attempts}${c.lastError ? `, last error ${c.lastError}` : ''}`,
    `  queue: ${s.queue.messages}/${s.queue.maxMessages} messages, ${s.queue.bytes}/${s.queue.maxBytes} bytes, ${s.queue.dropped} dropped, ${s.queue.sent} sent`,
    `  remote commands: ${s.commands.accepted} accepted, ${s.commands.refused} refused`,
  ]
  return lines.join('\n')
}

/**
 * `hearth uplink …` over the admin socket. The password is read from stdin (never argv, which
 * other users can see in the process list) and only ever stored sealed.
 */
export async function uplink(config: Config, args: { positional: string[]; options: Record<string, string[]> }, json: boolean, io: Io): Promise<void> {
  const sock = path.join(config.dataDir, SOCKET_NAME)
  const verb = args.positional[0]
  const out = (s: UplinkStatus) => io.out(json ? JSON.stringify(s) : describeUplink(s))
  if (args.positional.length !== 1) throw new HubError('HUB_ERR_USAGE', USAGE)
  if (verb === 'status') return out((await adminCall(sock, 'uplink.status')) as UplinkStatus)
  if (verb === 'disable') return out((await adminCall(sock, 'uplink.disable')) as UplinkStatus)
  if (verb !== 'enable') throw new HubError('HUB_ERR_USAGE', USAGE)
  const username = args.options['--username']?.[0]
  if (!username) throw new HubError('HUB_ERR_USAGE', `uplink enable needs --username; ${USAGE}`)
  const caFile = args.options['--ca-file']?.[0]
  let ca: string | undefined
  if (caFile) {
    try {
      ca = await fsp.readFile(caFile, 'utf8')
    } catch (err) {
      throw new HubError('HUB_ERR_USAGE', `cannot read --ca-file ${caFile}: ${(err as NodeJS.ErrnoException).code}`)
    }
  }
  const [password] = await ask(['Password for the remote broker: '])
  if (!password) throw new HubError('HUB_ERR_USAGE', 'uplink enable reads the remote password from stdin')
  out((await adminCall(sock, 'uplink.enable', { username, password, ...(ca ? { ca } : {}) })) as UplinkStatus)
}
