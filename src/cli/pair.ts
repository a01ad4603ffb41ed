import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { PairingStatus } from '../pairing/pairing.js'
import type { ManageArgs } from './manage.js'
import type { Io } from './output.js'

/**
 * `hearth pair [--seconds N]` opens a Zigbee pairing window (1–254 s, default zigbee.pairingSeconds);
 * `hearth pair install-code IEEE CODE` registers a device's install code;
 * `hearth pair status` shows the countdown and recent security events; `hearth pair close` ends it.
 */
export async function pair(config: Config, args: ManageArgs, json: boolean, io: Io): Promise<void> {
  const sock = path.join(config.dataDir, SOCKET_NAME)
  const verb = args.positional[0] ?? 'open'
  const raw = args.options['--seconds']
  if (raw && (raw.length > 1 || verb !== 'open')) throw new HubError('HUB_ERR_USAGE', '--seconds goes once, with hearth pair [open]')
  let s: PairingStatus & { securityEvents?: Array<{ at: string; type: string; detail: Record<string, unknown> }> }
  if (verb === 'open') {
    const seconds = raw ? Number(raw[0]) : undefined
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 254))
      throw new HubError('HUB_ERR_USAGE', '--seconds must be a whole number from 1 to 254')
    s = (await adminCall(sock, 'pairing.open', seconds === undefined ? {} : { seconds })) as PairingStatus
  } else if (verb === 'install-code') {
    const [ieee, code] = args.positional.slice(1)
    if (!ieee || !code) throw new HubError('HUB_ERR_USAGE', 'usage: hearth pair install-code IEEE CODE (the code as printed, with its CRC)')
    const r = await adminCall(sock, 'pairing.installCode', { ieee, code })
    return io.out(json ? JSON.stringify(r) : `install code registered for ${ieee}`)
  } else if (verb === 'close' || verb === 'status') s = (await adminCall(sock, `pairing.${verb}`)) as typeof s
  else throw new HubError('HUB_ERR_USAGE', `unknown pair subcommand ${verb} (open, close, status)`)
  if (json) return io.out(JSON.stringify(s))
  const lines = [s.open ? `Pairing is open: ${s.remainingSeconds} s left.` : 'Pairing is closed.']
  for (const e of s.securityEvents ?? []) lines.push(`  ALERT ${e.at} ${e.type} ${JSON.stringify(e.detail)}`)
  io.out(lines.join('\n'))
}
