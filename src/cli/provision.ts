import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import { newHostSuffix } from '../core/ids.js'
import { silentLogger } from '../core/log.js'
import { systemClock } from '../core/clock.js'
import { HUB_DOC, type HubDoc } from '../identity/hub-doc.js'
import { loadIdentity } from '../identity/identity.js'
import { fingerprint } from '../identity/tls.js'
import { randomBytes } from '../store/sealer.js'
import { Store } from '../store/store.js'
import type { Io } from './output.js'
import { linkNames, writeBootFirewallState } from '../net/boot-firewall.js'

/** What `hearth provision` reports. The setup code only with `provision label` (for the installer's label). */
export interface ProvisionInfo {
  hubId: string
  hostname: string
  claimed: boolean
  /** SHA-256 of the hub's local CA: stable for the hub's life (the server certificate is re-issued when its addresses change). */
  caFingerprint: string
  setupUrl: string
  setupCode?: string
}

/**
 * Provisions the hub's identity in `dataDir` (or opens the one there) without starting anything —
 * no listener, no admin socket. With no hostname given the hub is named `hearth-XXXX` after its
 * own random host suffix (EN 303 645 5.1-2: nothing derived from a MAC or serial). No LAN
 * addresses go into the server certificate here: the running hub re-issues it for the addresses
 * it really has, under the same CA.
 */
export async function provisionHub(dataDir: string, opts: { hostname: string; httpPort: number; withSetupCode: boolean }): Promise<ProvisionInfo> {
  const store = await Store.open(dataDir, silentLogger)
  try {
    const existing = (await store.document<HubDoc | null>(HUB_DOC, () => null)).data
    const hostSuffix = existing?.hostSuffix ?? newHostSuffix(randomBytes)
    const hostname = opts.hostname ? opts.hostname.toLowerCase() : `hearth-${hostSuffix}`
    const id = await loadIdentity(store, { random: randomBytes, hostname, hostSuffix, addresses: [], log: silentLogger, wallMs: systemClock.wallMs() })
    if (opts.withSetupCode && id.claimed) throw new HubError('HUB_ERR_CLAIMED', 'this hub is claimed: its setup code no longer works')
    return {
      hubId: id.hubId,
      hostname: id.hostname,
      claimed: id.claimed,
      caFingerprint: fingerprint(id.tls.ca),
      setupUrl: `https://${id.hostname}.local${opts.httpPort === 443 ? '' : `:${opts.httpPort}`}/#/setup`,
      ...(opts.withSetupCode ? { setupCode: id.setupCode } : {}),
    }
  } finally {
    store.close()
  }
}

/**
 * `hearth provision [label]`: the SD image runs it at first boot as the hub's user; `label` adds
 * the setup code (npm run image:personalize prints it on the card's label).
 */
export async function provision(config: Config, positional: string[], json: boolean, io: Io): Promise<void> {
  const label = positional[0] === 'label'
  if (positional.length > 1 || (positional.length === 1 && !label))
    throw new HubError('HUB_ERR_USAGE', 'usage: hearth provision [label] (see hearth --help)')
  const info = await provisionHub(config.dataDir, { hostname: config.hostname, httpPort: config.http.port, withSetupCode: label })
  // The image (firewall.mode=helper): a first boot's policy, in force before the network is up.
  const bootFirewall = await writeBootFirewallState(config.dataDir, config, await linkNames())
  if (json) return io.out(JSON.stringify({ ...info, bootFirewall }))
  io.out(
    Object.entries({ ...info, bootFirewall })
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\n'),
  )
}
