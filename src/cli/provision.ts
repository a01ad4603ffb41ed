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
 * `hearth provision [label]`: provisions the hub's identity in the data dir (or opens the one
 * there) without starting anything — no listener, no admin socket. The SD image runs it at first
 * boot as the hub's user, and `npm run image:personalize` runs it into a card's data partition.
 * With no hostname configured the hub is named `hearth-XXXX` after its own random host suffix
 * (EN 303 645 5.1-2: nothing derived from a MAC or serial). No LAN addresses are put in the
 * server certificate here: the running hub re-issues it for the addresses it really has.
 */
export async function provision(config: Config, positional: string[], json: boolean, io: Io): Promise<void> {
  const label = positional[0] === 'label'
  if (positional.length > 1 || (positional.length === 1 && !label))
    throw new HubError('HUB_ERR_USAGE', 'usage: hearth provision [label] (see hearth --help)')
  const store = await Store.open(config.dataDir, silentLogger)
  try {
    const existing = (await store.document<HubDoc | null>(HUB_DOC, () => null)).data
    const hostSuffix = existing?.hostSuffix ?? newHostSuffix(randomBytes)
    const hostname = config.hostname ? config.hostname.toLowerCase() : `hearth-${hostSuffix}`
    const id = await loadIdentity(store, { random: randomBytes, hostname, hostSuffix, addresses: [], log: silentLogger, wallMs: systemClock.wallMs() })
    if (label && id.claimed) throw new HubError('HUB_ERR_CLAIMED', 'this hub is claimed: its setup code no longer works')
    const info: ProvisionInfo = {
      hubId: id.hubId,
      hostname: id.hostname,
      claimed: id.claimed,
      caFingerprint: fingerprint(id.tls.ca),
      setupUrl: `https://${id.hostname}.local${config.http.port === 443 ? '' : `:${config.http.port}`}/#/setup`,
      ...(label ? { setupCode: id.setupCode } : {}),
    }
    if (json) return io.out(JSON.stringify(info))
    io.out(
      Object.entries(info)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('\n'),
    )
  } finally {
    store.close()
  }
}
