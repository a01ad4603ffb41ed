import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { HubFirewall } from '../net/hub-firewall.js'
import type { Io } from './output.js'

type PolicyStatus = ReturnType<HubFirewall['status']>

/** `hearth policy show`: the hub's firewall, in force or not, each rule with its reason. */
export async function policy(config: Config, positional: string[], json: boolean, io: Io): Promise<void> {
  if (positional[0] !== 'show' || positional.length > 1) throw new HubError('HUB_ERR_USAGE', 'usage: hearth policy show (see hearth --help)')
  const s = (await adminCall(path.join(config.dataDir, SOCKET_NAME), 'policy.show')) as PolicyStatus
  if (json) return io.out(JSON.stringify(s))
  const state = s.applied ? `in force, ${s.mode} (sha256 ${s.digest?.slice(0, 12)})` : `NOT in force: ${s.reason}`
  const lines = [`Firewall, table inet hearth (backend ${s.backend}): ${state}`]
  let chain = ''
  for (const r of s.rules) {
    if (r.chain !== chain) lines.push('', `${(chain = r.chain)}:`)
    lines.push(`  ${r.rule}`, `      # ${r.reason}`)
  }
  io.out(lines.join('\n'))
}
