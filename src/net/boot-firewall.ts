import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Config } from '../core/config-schema.js'
import { bootFirewallState } from '../policy/firewall/boot.js'
import { compileRuleset } from '../policy/firewall/compile.js'
import { writeFileDurable } from '../store/durable-fs.js'
import { STATE_FILE } from './helper.js'
import { parseList } from './hub-firewall.js'

/** The machine's network links by name (`/sys/class/net`), with or without an address. */
export async function linkNames(sysClassNet = '/sys/class/net'): Promise<string[]> {
  return fsp.readdir(sysClassNet).catch(() => [])
}

/**
 * First boot of the image (`hearth provision`, run by hearth-boot.service before the network):
 * leaves the boot policy (src/policy/firewall/boot.ts) where hearth-firewall.service reads it,
 * so the firewall is in force before any link comes up. Only when the firewall is the helper's
 * (`firewall.mode=helper`, the image) and no state exists yet: a later boot applies the state
 * the hub last wrote. Compiled here first, so a state the helper would refuse is never left.
 */
export async function writeBootFirewallState(dataDir: string, config: Config, links: string[]): Promise<'written' | 'kept' | 'not-helper'> {
  if (config.firewall.mode !== 'helper') return 'not-helper'
  const dir = path.join(dataDir, 'firewall')
  const file = path.join(dir, STATE_FILE)
  if (await fsp.lstat(file).then(() => true, () => false)) return 'kept'
  const state = bootFirewallState(
    links,
    { lanInterfaces: parseList(config.firewall.lanInterfaces), wanInterfaces: parseList(config.firewall.wanInterfaces) },
    {
      mqtts: config.mqtt.port,
      https: config.http.port,
      ...(config.http.redirectPort > 0 ? { httpRedirect: config.http.redirectPort } : {}),
      ...(config.mqtt.plainPort > 0 ? { mqttPlainLoopback: config.mqtt.plainPort } : {}),
    },
  )
  compileRuleset(state)
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 })
  await writeFileDurable(file, JSON.stringify(state) + '\n', { mode: 0o600 })
  return 'written'
}
