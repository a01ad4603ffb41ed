import os from 'node:os'
import { newExtendedPanId, newHostSuffix, newHubId, newPanId, newSetupCode, type RandomBytes } from '../core/ids.js'
import type { Logger } from '../core/log.js'
import type { Store } from '../store/store.js'
import { HUB_DOC, type HubDoc } from './hub-doc.js'
import { caPermittedNames, newCa, issueServer, serverNames } from './tls.js'

/** The hub's identity, opened for use in memory. Secrets never go to a log. */
export interface HubIdentity {
  hubId: string
  hostname: string
  claimed: boolean
  setupCode: string
  tokenKey: Buffer
  sessionKey: Buffer
  tls: { ca: string; cert: string; key: string; names: string[] }
  zigbee: { panId: number; extendedPanId: string; networkKey: Buffer; channel: number }
  /** Records (durably) whether the hub is claimed; `claimed` follows. */
  setClaimed(claimed: boolean): Promise<void>
}

/** The machine's hostname as a single DNS label (RFC 1123), for the certificate and mDNS. */
export function hubHostname(configured: string): string {
  if (configured) return configured.toLowerCase()
  const label = os.hostname().split('.')[0]!.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '')
  return label || 'hearth'
}

/** The machine's non-loopback addresses (the certificate names the private ones). */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal)
    .map((a) => a.address)
}

const ZIGBEE_CHANNELS = [11, 15, 20, 25]

/**
 * First-run provisioning (EN 303 645 5.1-1, 5.1-2, 5.4-3): every identifier and secret from a
 * CSPRNG, none derived from a MAC, serial or time; all secrets sealed before they touch disk.
 * On later runs it loads the same identity and re-issues the server certificate when the
 * hub's names or LAN addresses changed.
 */
export async function loadIdentity(
  store: Store,
  deps: { random: RandomBytes; hostname: string; addresses: string[]; log: Logger; wallMs: number; hostSuffix?: string },
): Promise<HubIdentity> {
  const { random, log } = deps
  const s = store.sealer
  const db = await store.document<HubDoc | null>(HUB_DOC, () => null)
  if (!db.data) {
    const hubId = newHubId(random)
    const ca = newCa(random, hubId, deps.hostname)
    const names = serverNames(deps.hostname, deps.addresses)
    const server = issueServer(random, ca, hubId, names)
    db.data = {
      hubId,
      createdAt: new Date(deps.wallMs).toISOString(),
      hostSuffix: deps.hostSuffix ?? newHostSuffix(random),
      claimed: false,
      setupCode: s.seal(newSetupCode(random)),
      secrets: { tokenKey: s.seal(random(32)), sessionKey: s.seal(random(32)) },
      tls: {
        caCert: ca.caCert,
        caKey: s.seal(ca.caKeyPem),
        caNames: caPermittedNames(deps.hostname),
        cert: server.cert,
        key: s.seal(server.keyPem),
        names,
      },
      zigbee: {
        panId: newPanId(random),
        extendedPanId: newExtendedPanId(random),
        networkKey: s.seal(random(16)),
        channel: ZIGBEE_CHANNELS[random(1)[0]! % ZIGBEE_CHANNELS.length]!,
      },
    }
    await db.write()
    log.info({ hubId }, 'first run: hub identity provisioned')
  }
  const doc = db.data
  const caNames = caPermittedNames(deps.hostname)
  if (caNames.join(',') !== doc.tls.caNames.join(',')) {
    // The CA is name-constrained to the hostname: a new hostname needs a new CA (and a re-trust).
    const ca = newCa(random, doc.hubId, deps.hostname)
    doc.tls = { ...doc.tls, caCert: ca.caCert, caKey: s.seal(ca.caKeyPem), caNames, names: [] }
    log.warn({ hostname: deps.hostname }, 'hostname changed: new local CA issued; devices must trust it again')
  }
  const names = serverNames(deps.hostname, deps.addresses)
  if (names.join(',') !== doc.tls.names.join(',')) {
    const server = issueServer(random, { caCert: doc.tls.caCert, caKeyPem: s.openText(doc.tls.caKey) }, doc.hubId, names)
    doc.tls = { ...doc.tls, cert: server.cert, key: s.seal(server.keyPem), names }
    await db.write()
    log.info({ names }, 'server certificate re-issued for new names')
  }
  const identity: HubIdentity = {
    hubId: doc.hubId,
    hostname: deps.hostname,
    claimed: doc.claimed,
    setupCode: s.openText(doc.setupCode),
    tokenKey: s.open(doc.secrets.tokenKey),
    sessionKey: s.open(doc.secrets.sessionKey),
    tls: { ca: doc.tls.caCert, cert: doc.tls.cert, key: s.openText(doc.tls.key), names },
    zigbee: { ...doc.zigbee, networkKey: s.open(doc.zigbee.networkKey) },
    async setClaimed(claimed) {
      doc.claimed = claimed
      await db.write()
      identity.claimed = claimed
    },
  }
  return identity
}
