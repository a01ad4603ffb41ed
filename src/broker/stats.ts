/**
 * Counters the broker keeps: totals since start and per connected client. Visible through
 * `hearth status` and the security page; the anomaly monitor reads them (EN 303 645 5.10).
 */
export interface ClientCounters {
  published: number
  rejectedPayload: number
  deniedPublish: number
  deniedSubscribe: number
  throttled: number
  droppedOutgoing: number
}

export const newClientCounters = (): ClientCounters => ({
  published: 0,
  rejectedPayload: 0,
  deniedPublish: 0,
  deniedSubscribe: 0,
  throttled: 0,
  droppedOutgoing: 0,
})

export class BrokerStats {
  readonly totals = {
    connectRefused: { 'address-rate': 0, 'global-rate': 0, 'max-clients': 0, accountConnections: 0, badCredentials: 0, notAuthorized: 0, clientId: 0, will: 0 },
    connected: 0,
    ...newClientCounters(),
    oversizedPackets: 0,
    /** Messages not queued for a persistent session whose queue was full. */
    droppedOffline: 0,
    slowDisconnects: 0,
  }

  /** Adds to a per-client counter and to its total. */
  bump(client: ClientCounters | undefined, key: keyof ClientCounters, n = 1): void {
    if (client) client[key] += n
    this.totals[key] += n
  }

  snapshot() {
    return structuredClone(this.totals)
  }
}
