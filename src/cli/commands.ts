import path from 'node:path'
import { adminCall } from '../admin/client.js'
import { SOCKET_NAME } from '../admin/protocol.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import { silentLogger } from '../core/log.js'
import { systemClock } from '../core/clock.js'
import { hubHostname, lanAddresses, loadIdentity } from '../identity/identity.js'
import { Store } from '../store/store.js'
import { randomBytes } from '../store/sealer.js'
import { readMarker } from '../privacy/wipe-files.js'
import type { HubStatus } from '../hub.js'
import type { Io } from './output.js'

/** Client-side commands: they talk to a running hub over its admin socket. */
export type Command = (config: Config, json: boolean, io: Io) => Promise<void>

const socketOf = (config: Config) => path.join(config.dataDir, SOCKET_NAME)

export const status: Command = async (config, json, io) => {
  const s = (await adminCall(socketOf(config), 'status')) as HubStatus
  if (json) return io.out(JSON.stringify(s))
  io.out(
    [
      `Hearth ${s.version} (${s.model}) — hub ${s.hubId}`,
      `  host:        ${s.hostname}`,
      `  claimed:     ${s.claimed ? 'yes' : 'no'}`,
      `  uptime:      ${s.uptimeSeconds} s`,
      `  MQTTS:       ${s.listeners.mqtts.host}:${s.listeners.mqtts.port}`,
      `  HTTPS:       ${s.listeners.https.host}:${s.listeners.https.port}`,
      `  certificate: SHA-256 ${s.tlsFingerprint}`,
      `  data dir:    ${s.dataDir}`,
      `  Zigbee:      ${!s.zigbee?.configured ? 'not set up (zigbee.port is empty)' : s.zigbee.online ? `online, pairing ${s.zigbee.pairing.open ? `open (${s.zigbee.pairing.remainingSeconds} s)` : 'closed'}` : `offline${s.zigbee.lastError ? ` (${s.zigbee.lastError})` : ''}`}`,
      ...(s.zigbee?.securityEvents.length ? [`  alerts:      ${s.zigbee.securityEvents.length} security event(s): hearth pair status`] : []),
    ].join('\n'),
  )
}

/**
 * Shows the setup code: from the running hub if there is one, else from the store itself
 * (provisioning a fresh data dir, so an installer can personalise a card and print its label).
 */
export const setupCode: Command = async (config, json, io) => {
  let code: string
  try {
    code = ((await adminCall(socketOf(config), 'setupCode')) as { setupCode: string }).setupCode
  } catch (err) {
    if (!(err instanceof HubError) || err.code !== 'HUB_ERR_NOT_RUNNING') throw err
    // A code made now would be erased again when the hub finishes the wipe at its next start.
    if (await readMarker(config.dataDir)) throw new HubError('HUB_ERR_NOT_RUNNING', 'a factory wipe is pending: start the hub to finish it, then ask again')
    const store = await Store.open(config.dataDir, silentLogger)
    try {
      const id = await loadIdentity(store, {
        random: randomBytes,
        hostname: hubHostname(config.hostname),
        addresses: lanAddresses(),
        log: silentLogger,
        wallMs: systemClock.wallMs(),
      })
      if (id.claimed) throw new HubError('HUB_ERR_CLAIMED', 'this hub is claimed: its setup code no longer works')
      code = id.setupCode
    } finally {
      store.close()
    }
  }
  io.out(json ? JSON.stringify({ setupCode: code }) : code)
}

export const COMMANDS: Record<string, Command> = { status, 'setup-code': setupCode }
