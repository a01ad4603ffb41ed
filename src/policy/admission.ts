import { HubError } from '../core/errors.js'
import { KeyedBuckets, TokenBucket } from './token-bucket.js'

/**
 * Admission of new MQTT connections, decided before any CONNECT packet is parsed (aedes'
 * `preConnect`): a per-address rate, a global rate, and a cap on connected clients. A flood
 * from one address is stopped by its own bucket; many addresses at once (a botnet, or one host
 * rotating IPv6 addresses) are stopped by the global bucket; memory stays bounded by
 * `maxTrackedAddresses`.
 */

/** Limits of {@link Admission}; the config's `mqtt.connect*` and `mqtt.maxClients` leaves. */
export interface AdmissionOptions {
  /** CONNECT attempts per second one address may sustain. */
  ratePerAddress: number
  /** CONNECT attempts one address may make in a burst. */
  burstPerAddress: number
  /** CONNECT attempts per second in total. */
  rateTotal: number
  /** CONNECT attempts in a burst, in total. */
  burstTotal: number
  /** Most simultaneously connected clients. */
  maxClients: number
  /** Most addresses with a bucket at once. */
  maxTrackedAddresses: number
}

export type RefusalReason = 'address-rate' | 'global-rate' | 'max-clients'

export type AdmissionDecision = { admit: true } | { admit: false; reason: RefusalReason }

/** Counters for monitoring; a snapshot, safe to keep. */
export interface AdmissionStats {
  admitted: number
  refused: Record<RefusalReason, number>
  /** Addresses with a bucket now. */
  trackedAddresses: number
  /** Per-address buckets dropped before they had refilled (address churn under pressure). */
  evictions: number
}

/**
 * The key an address is counted under. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a
 * dual-stack socket reports for IPv4 peers) counts as its IPv4 address, so one host is one key
 * whichever socket it came in on; IPv6 is lowercased and its zone (`%eth0`) dropped. IPv6
 * addresses are not grouped by /64: a home LAN shares one /64, so grouping would put every
 * device in one bucket; the global bucket is what stops one host rotating addresses.
 * An unknown address (a socket already closed) is counted under `''`, one shared key.
 */
export function addressKey(address: string): string {
  let a = address.trim().toLowerCase()
  const zone = a.indexOf('%')
  if (zone >= 0) a = a.slice(0, zone)
  const mapped = /^(?:::|(?:0{1,4}:){5})ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a)
  return mapped ? mapped[1]! : a
}

/**
 * Decides whether a new connection may proceed. Checks run in order, and an attempt refused
 * at one step has consumed only the tokens of the steps before it:
 * 1. the address's bucket (`address-rate`): every attempt from an address counts against it,
 *    so a refused flood does not drain the global bucket that others share;
 * 2. the global bucket (`global-rate`);
 * 3. `connectedClients < maxClients` (`max-clients`).
 */
export class Admission {
  private readonly perAddress: KeyedBuckets
  private readonly total: TokenBucket
  private readonly maxClients: number
  private admitted = 0
  private readonly refused: Record<RefusalReason, number> = { 'address-rate': 0, 'global-rate': 0, 'max-clients': 0 }

  /** @throws HubError `HUB_ERR_CONFIG` if any limit is not positive. */
  constructor(opts: AdmissionOptions) {
    if (!Number.isInteger(opts.maxClients) || opts.maxClients < 1)
      throw new HubError('HUB_ERR_CONFIG', 'maxClients must be a positive integer', { maxClients: opts.maxClients })
    this.perAddress = new KeyedBuckets({ ratePerSec: opts.ratePerAddress, burst: opts.burstPerAddress, maxKeys: opts.maxTrackedAddresses })
    // Created "long ago": it starts full, and the first call's time becomes its reference.
    this.total = new TokenBucket(opts.rateTotal, opts.burstTotal, Number.NEGATIVE_INFINITY)
    this.maxClients = opts.maxClients
  }

  /**
   * May a connection from `address` proceed at `nowMs`, with `connectedClients` already
   * connected? Refusals are counted by reason.
   */
  admit(address: string, nowMs: number, connectedClients: number): AdmissionDecision {
    if (!this.perAddress.take(addressKey(address), nowMs)) return this.refuse('address-rate')
    if (!this.total.take(nowMs)) return this.refuse('global-rate')
    if (!(connectedClients < this.maxClients)) return this.refuse('max-clients')
    this.admitted++
    return { admit: true }
  }

  /** A snapshot of the counters. */
  stats(): AdmissionStats {
    return {
      admitted: this.admitted,
      refused: { ...this.refused },
      trackedAddresses: this.perAddress.size,
      evictions: this.perAddress.evictions,
    }
  }

  private refuse(reason: RefusalReason): AdmissionDecision {
    this.refused[reason]++
    return { admit: false, reason }
  }
}
