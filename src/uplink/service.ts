import { X509Certificate } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { Config } from '../core/config-schema.js'
import { HubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import type { Bus } from '../devices/discovery.js'
import type { DeviceKind } from '../policy/device-kinds.js'
import { checkPublishContent } from '../policy/publish-content.js'
import { TokenBucket } from '../policy/token-bucket.js'
import { localCommandOf, parseUplinkTopics, prefixProblem } from '../policy/uplink.js'
import { commitDoc, type Doc, type Store } from '../store/store.js'
import { UplinkConsentStore, type ConsentPort } from './consent.js'
import { UplinkConnection, type ConnectionState } from './connection.js'
import { UPLINK_DOC, UPLINK_QUEUE_DOC, type UplinkDoc } from './docs.js'
import { QueuePersister } from './persister.js'
import { OutboundQueue } from './queue.js'

/** The consent purpose the uplink records and checks. */
export const UPLINK_PURPOSE = 'uplink'

export interface UplinkStatus {
  enabled: boolean
  configured: boolean
  url: string
  topics: string[]
  remotePrefix: string
  consent: { by: string; atWall: string; wallClock: string } | null
  connection: { state: ConnectionState; attempts: number; nextAttemptInMs: number | null; connectedForMs: number | null; lastError: string | null }
  queue: { messages: number; bytes: number; maxMessages: number; maxBytes: number; dropped: number; sent: number; persistedAgoMs: number | null }
  commands: { accepted: number; refused: number }
}

export interface EnableRequest {
  username: string
  password: string
  /** PEM CA certificate(s) for the remote; absent: the system's CAs. */
  ca?: string
}

/**
 * The optional uplink (issue 7): off by default; enabled only by the owner, which records their
 * consent durably; disabled (consent withdrawn) it stops at once and discards what it queued.
 * It listens on the internal bus and only ever pushes into an in-memory queue there, so a dead
 * remote never slows a local publish (EN 303 645 5.9-1).
 */
export class UplinkService {
  private readonly queue: OutboundQueue
  private readonly connection: UplinkConnection
  private readonly commandBudget: TokenBucket
  private readonly filters: string[]
  private readonly prefix: string
  private running = false
  private accepted = 0
  private refused = 0

  private constructor(
    private readonly deps: UplinkDeps,
    private readonly doc: Doc<UplinkDoc>,
    private readonly persister: QueuePersister,
    queue: OutboundQueue,
    filters: string[],
    private readonly consent: ConsentPort,
    /** Our own ledger, when no other was given: it can also say who consented and when. */
    private readonly ledger: UplinkConsentStore | undefined,
  ) {
    const { config, clock } = deps
    this.queue = queue
    this.filters = filters
    this.prefix = config.remotePrefix || `hearth-hubs/${deps.hubId}`
    this.commandBudget = new TokenBucket(5, 20, clock.monotonicMs())
    this.connection = new UplinkConnection({
      queue,
      clock,
      random: deps.random,
      backoff: { baseMs: config.backoffBaseMs, capMs: Math.max(config.backoffCapMs, config.backoffBaseMs), mode: 'decorrelated', resetAfterMs: 60_000 },
      log: deps.log,
      onCommand: (topic, payload) => void this.command(topic, payload),
    })
  }

  static async open(deps: UplinkDeps): Promise<UplinkService> {
    const { config } = deps
    const topics = parseUplinkTopics(config.topics)
    if (!topics.ok) throw new HubError('HUB_ERR_CONFIG', `uplink.topics: ${topics.problem}`, { field: 'uplink.topics' })
    if (config.remotePrefix) {
      const p = prefixProblem(config.remotePrefix)
      if (p) throw new HubError('HUB_ERR_CONFIG', `uplink.remotePrefix ${p}`, { field: 'uplink.remotePrefix' })
    }
    const queue = new OutboundQueue({ maxMessages: config.queueMaxMessages, maxBytes: config.queueMaxBytes })
    const qdoc = await deps.store.document(UPLINK_QUEUE_DOC, () => ({ nextSeq: 1, dropped: 0, messages: [] }))
    queue.restore(qdoc.data)
    const persister = new QueuePersister(queue, qdoc, { clock: deps.clock, log: deps.log, intervalMs: config.persistIntervalMs })
    const doc = await deps.store.document(UPLINK_DOC, () => ({ credential: null, ca: null }))
    const ledger = deps.consent ? undefined : await UplinkConsentStore.open(deps.store, deps.clock)
    const service = new UplinkService(deps, doc, persister, queue, topics.filters, deps.consent ?? ledger!, ledger)
    // Subscribed once; the handler only queues (synchronously) while the uplink is on.
    for (const f of topics.filters) deps.bus.subscribe(f, (topic, payload) => service.local(topic, payload))
    if (service.consent.isGranted(UPLINK_PURPOSE)) service.startFlow()
    return service
  }

  status(): UplinkStatus {
    const rec = this.ledger?.record(UPLINK_PURPOSE) ?? this.consent.record?.(UPLINK_PURPOSE)
    return {
      enabled: this.running,
      configured: this.deps.config.url !== '',
      url: this.deps.config.url,
      topics: this.filters,
      remotePrefix: this.prefix,
      consent: rec ? { by: rec.by, atWall: rec.atWall, wallClock: rec.wallClock } : null,
      connection: this.connection.status(),
      queue: {
        messages: this.queue.length,
        bytes: this.queue.byteSize,
        maxMessages: this.deps.config.queueMaxMessages,
        maxBytes: this.deps.config.queueMaxBytes,
        dropped: this.queue.dropped,
        sent: this.connection.sent,
        persistedAgoMs: this.persister.persistedAgoMs(),
      },
      commands: { accepted: this.accepted, refused: this.refused },
    }
  }

  /** The owner turns the uplink on: credential sealed, consent recorded, flow started. */
  async enable(req: EnableRequest, by: string): Promise<UplinkStatus> {
    const { config, store } = this.deps
    if (!config.url) throw new HubError('HUB_ERR_CONFLICT', 'no remote broker configured: set uplink.url (mqtts://host:port) first')
    if (!/^[\x21-\x7e]{1,128}$/.test(req.username)) throw new HubError('HUB_ERR_BAD_REQUEST', 'username must be 1-128 printable ASCII characters')
    if (req.password.length < 1 || req.password.length > 512) throw new HubError('HUB_ERR_BAD_REQUEST', 'password must be 1-512 characters')
    const ca = req.ca?.trim() ? checkCa(req.ca) : null
    const next: UplinkDoc = { credential: { username: req.username, password: store.sealer.seal(req.password) }, ca }
    await commitDoc(this.doc, next)
    await this.consent.grant(UPLINK_PURPOSE, { by, what: `forward ${this.filters.join(', ')} to ${config.url} as ${req.username}; take commands from ${this.prefix}/hearth/+/set` })
    this.deps.log.info({ by, url: config.url, topics: this.filters }, 'uplink enabled by the owner (consent recorded)')
    this.startFlow()
    return this.status()
  }

  /** Consent withdrawn: the flow stops first, then the queue and credential are discarded. */
  async disable(by: string): Promise<UplinkStatus> {
    this.stopFlow()
    this.queue.clear()
    await this.persister.flush()
    await commitDoc(this.doc, { credential: null, ca: null })
    await this.consent.withdraw(UPLINK_PURPOSE)
    this.deps.log.info({ by }, 'uplink disabled by the owner (consent withdrawn; queue and credential discarded)')
    return this.status()
  }

  async close(): Promise<void> {
    this.stopFlow()
    await this.persister.flush()
    this.persister.close()
  }

  private startFlow(): void {
    const cred = this.doc.data.credential
    if (!this.deps.config.url || !cred) {
      this.deps.log.warn({ configured: this.deps.config.url !== '', credential: cred !== null }, 'uplink consent is recorded but it is not configured; staying off')
      return
    }
    this.running = true
    this.connection.start({
      url: this.deps.config.url,
      clientId: `hearth-${this.deps.hubId}`.slice(0, 23),
      username: cred.username,
      password: this.deps.store.sealer.openText(cred.password),
      ...(this.doc.data.ca ? { ca: this.doc.data.ca } : {}),
      prefix: this.prefix,
      keepaliveSeconds: this.deps.config.keepaliveSeconds,
    })
  }

  private stopFlow(): void {
    this.running = false
    this.connection.stop()
  }

  /** From the local bus: queue and move on; never awaits anything. */
  private local(topic: string, payload: Buffer): void {
    if (!this.running || !this.consent.isGranted(UPLINK_PURPOSE)) return
    this.queue.push(topic, Buffer.from(payload))
    this.persister.touch()
    this.connection.kick()
  }

  /** From the remote: only `<prefix>/hearth/<id>/set`, only valid for the device's kind, rate-bounded. */
  private async command(topic: string, payload: Buffer): Promise<void> {
    const target = localCommandOf(this.prefix, topic)
    const verdict = !target
      ? { ok: false as const, reason: 'not-a-command-topic' }
      : !this.commandBudget.take(this.deps.clock.monotonicMs())
        ? { ok: false as const, reason: 'rate' }
        : checkPublishContent(target.topic, payload, this.deps.kindOf, this.deps.maxPayloadBytes)
    if (!target || !verdict.ok) {
      this.refused++
      this.deps.log.warn({ topic, reason: verdict.ok ? 'unknown' : verdict.reason }, 'uplink: remote command refused')
      return
    }
    try {
      await this.deps.bus.publish(target.topic, payload, { retain: false, qos: 1 })
      this.accepted++
    } catch (err) {
      this.refused++
      this.deps.log.warn({ err, topic: target.topic }, 'uplink: command not delivered locally')
    }
  }
}

export interface UplinkDeps {
  config: Config['uplink']
  hubId: string
  store: Store
  bus: Bus
  kindOf: (deviceId: string) => DeviceKind | undefined
  maxPayloadBytes: number
  clock: Clock
  random: () => number
  log: Logger
  /** Swappable at merge for the privacy ledger; defaults to the uplink's own durable record. */
  consent?: ConsentPort
}

function checkCa(pem: string): string {
  if (pem.length > 32_768) throw new HubError('HUB_ERR_BAD_REQUEST', 'ca is too large (32 KiB at most)')
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
  if (!blocks) throw new HubError('HUB_ERR_BAD_REQUEST', 'ca must be PEM certificate(s)')
  for (const b of blocks)
    try {
      new X509Certificate(b)
    } catch {
      throw new HubError('HUB_ERR_BAD_REQUEST', 'ca holds a certificate that does not parse')
    }
  return blocks.join('\n') + '\n'
}
