import { randomBytes } from 'node:crypto'
import type { AedesOptions, Client } from 'aedes'
import type { Clock } from '../core/clock.js'
import type { Config } from '../core/config-schema.js'
import type { Logger } from '../core/log.js'
import { BoundedMemo } from '../core/memo.js'
import { authorizePublish, authorizeSubscribe, clientIdAllowed, type Principal } from '../policy/acl.js'
import type { Admission } from '../policy/admission.js'
import type { DeviceKind } from '../policy/device-kinds.js'
import { checkContent, checkPublishContent, contentRoute, type ContentRoute } from '../policy/publish-content.js'
import { TokenBucket } from '../policy/token-bucket.js'
import { BrokerStats, newClientCounters, type ClientCounters } from './stats.js'

/** What the hooks need: every decision is made by src/policy; the hooks only translate. */
export interface HookDeps {
  verify(username: string | undefined, password: Buffer | undefined): Principal | null
  kindOf(deviceId: string): DeviceKind | undefined
  admission: Admission
  limits: Config['mqtt']
  clock: Clock
  stats: BrokerStats
  log: Logger
  connectedClients(): number
  connectionsOf(username: string): number
  queueDepth(): number
  /** A CONNECT with a wrong username or token (for the security page). */
  onLoginRefused?(address: string): void
}

/** Per-connection state, attached when the client authenticates. */
export interface Session {
  principal: Principal
  bucket: TokenBucket
  /** Publishes waiting for a token, in arrival order. */
  waiting: Array<(err?: Error) => void>
  /** The connection is gone: queued publishes are dropped, never delivered late. */
  closed: boolean
  subscriptions: Set<string>
  counters: ClientCounters
  /**
   * Publish decisions already made for this connection, by topic, with the topic's content rule.
   * A device publishes to the same few topics all day; the principal cannot change while
   * connected (rotation and revocation disconnect), so a decision stays true for the session.
   * The content rule depends on the topic only; the payload is checked on every publish.
   * Bounded: cleared when full.
   */
  pubDecisions: BoundedMemo<string, PubDecision>
  /** The topic of this connection's previous publish and its decision: a device keeps publishing to one topic. */
  lastTopic: string
  last: PubDecision | undefined
}

interface PubDecision {
  acl: ReturnType<typeof authorizePublish>
  route: ContentRoute
}

/** Outgoing bytes buffered for a subscriber before QoS 0 messages to it are dropped / it is cut off. */
export const OUTGOING_SOFT_BYTES = 256 * 1024
export const OUTGOING_HARD_BYTES = 4 * 1024 * 1024
/** Where a refused-but-acknowledged publish goes: a `$` topic no account may subscribe to. */
export const REJECTED_TOPIC = '$hearth/rejected'
/** Above this many messages queued in the broker, every publisher waits (global back-pressure). */
export const QUEUE_HIGH_WATER = 500
/** Connections one account may hold at once (integrations use a few; each has the full budget). */
export const MAX_CONNECTIONS_PER_ACCOUNT = 32
/** Topics whose publish decision one connection remembers. */
const PUB_DECISIONS_PER_CLIENT = 64

type ConnectError = Error & { returnCode: 2 | 3 | 4 | 5 }
const refuse = (returnCode: ConnectError['returnCode'], message: string): ConnectError => Object.assign(new Error(message), { returnCode })

export function createHooks(deps: HookDeps) {
  const { limits, stats, log } = deps
  const sessions = new WeakMap<Client, Session>()
  const connectInfo = new WeakMap<Client, { emptyId: boolean; clean: boolean }>()
  const topicLimits = { maxLength: limits.maxTopicLength, maxLevels: limits.maxTopicLevels }
  const now = () => deps.clock.monotonicMs()
  const overloaded = () => deps.queueDepth() > QUEUE_HIGH_WATER

  const preConnect: AedesOptions['preConnect'] = (client, packet, done) => {
    connectInfo.set(client, { emptyId: !packet.clientId, clean: packet.clean !== false })
    done(null, true)
  }

  const authenticate: AedesOptions['authenticate'] = (client, username, password, done) => {
    const address = (client.conn as { remoteAddress?: string }).remoteAddress ?? ''
    const admit = deps.admission.admit(address, now(), deps.connectedClients())
    if (!admit.admit) {
      stats.totals.connectRefused[admit.reason]++
      return done(refuse(3, 'server unavailable'), null)
    }
    const info = connectInfo.get(client)
    // [MQTT-3.1.3-8] A zero-byte client id with CleanSession=0 → CONNACK 0x02, then close.
    if (info?.emptyId && !info.clean) {
      stats.totals.connectRefused.clientId++
      return done(refuse(2, 'identifier rejected'), null)
    }
    if (!username) {
      stats.totals.connectRefused.notAuthorized++
      return done(refuse(5, 'not authorized'), null)
    }
    const principal = deps.verify(username, password)
    if (!principal) {
      stats.totals.connectRefused.badCredentials++
      log.info({ username, address }, 'MQTT login refused')
      deps.onLoginRefused?.(address)
      return done(refuse(4, 'bad user name or password'), null)
    }
    if (principal.role !== 'device' && deps.connectionsOf(principal.username) >= MAX_CONNECTIONS_PER_ACCOUNT) {
      stats.totals.connectRefused.accountConnections++
      return done(refuse(3, 'server unavailable'), null)
    }
    // [MQTT-3.1.3-6] A zero-byte id with a clean session gets a unique id in the account's own namespace.
    if (info?.emptyId && principal.role !== 'device') client.id = `${principal.username}-${randomBytes(6).toString('hex')}`
    if (!clientIdAllowed(principal, client.id)) {
      stats.totals.connectRefused.clientId++
      log.warn({ username, clientId: client.id, address }, 'client id not allowed for this account')
      return done(refuse(2, 'identifier rejected'), null)
    }
    const will = (client as unknown as { _will?: { topic: string; payload: Buffer } })._will
    if (will && (!authorizePublish(principal, will.topic, topicLimits).allow || !checkPublishContent(will.topic, Buffer.from(will.payload), deps.kindOf, limits.maxPacketBytes).ok)) {
      stats.totals.connectRefused.will++
      return done(refuse(5, 'not authorized'), null)
    }
    sessions.set(client, {
      principal,
      bucket: new TokenBucket(limits.publishRate, limits.publishBurst, now()),
      waiting: [],
      closed: false,
      subscriptions: new Set(),
      counters: newClientCounters(),
      pubDecisions: new BoundedMemo(PUB_DECISIONS_PER_CLIENT),
      lastTopic: '',
      last: undefined,
    })
    done(null, true)
  }

  const authorizePublishHook: AedesOptions['authorizePublish'] = (client, packet, done) => {
    const s = client ? sessions.get(client) : undefined
    if (!s) return done(new Error('not authenticated'))
    // Same topic as last time (a string compare), else the per-topic map, else decide now.
    let known = packet.topic === s.lastTopic ? s.last : undefined
    if (!known) {
      known =
        s.pubDecisions.get(packet.topic) ??
        s.pubDecisions.set(packet.topic, { acl: authorizePublish(s.principal, packet.topic, topicLimits), route: contentRoute(packet.topic) })
      s.lastTopic = packet.topic
      s.last = known
    }
    const decision = known.acl
    if (!decision.allow) {
      stats.bump(s.counters, 'deniedPublish')
      log.warn({ clientId: client!.id, topic: packet.topic, reason: decision.reason }, 'publish denied; disconnecting')
      return done(new Error('publish not authorized')) // [MQTT-3.3.5-2] close the connection
    }
    const content = checkContent(known.route, packet.payload as Buffer, deps.kindOf, limits.maxPacketBytes)
    if (!content.ok) {
      // Acknowledged per its QoS but delivered nowhere and never retained, so a device with a
      // persistent session does not resend it forever.
      stats.bump(s.counters, 'rejectedPayload')
      log.info({ clientId: client!.id, topic: packet.topic, reason: content.reason }, 'publish payload refused')
      packet.topic = REJECTED_TOPIC
      packet.retain = false
    } else {
      // Not `stats.bump`: one property per call site keeps this path's property access monomorphic.
      s.counters.published++
      stats.totals.published++
    }
    // Back-pressure: a client over its publish budget waits; aedes reads no more from its socket
    // until this batch is authorized, so TCP slows the sender down.
    if (s.waiting.length === 0 && !overloaded() && s.bucket.take(now())) return done(null)
    stats.bump(s.counters, 'throttled')
    s.waiting.push((err) => done(err ?? null))
    if (s.waiting.length === 1) schedule(s)
  }

  /** Releases waiting publishes in order as tokens refill and the broker's queue drains. */
  function schedule(s: Session): void {
    const delay = overloaded() ? 10 : Math.max(1, Math.min(1000, s.bucket.waitMs(now())))
    deps.clock.setTimeout(() => {
      if (s.closed) return void s.waiting.splice(0).forEach((release) => release(new Error('client gone')))
      while (s.waiting.length > 0 && !overloaded() && s.bucket.take(now())) s.waiting.shift()!()
      if (s.waiting.length > 0) schedule(s)
    }, delay)
  }

  /** A client went away: whatever it still had queued is dropped, not delivered late. */
  const onClose = (client: Client) => {
    const s = sessions.get(client)
    if (!s) return
    s.closed = true
    const dropped = s.waiting.splice(0)
    for (const release of dropped) release(new Error('client gone'))
  }

  const authorizeSubscribeHook: AedesOptions['authorizeSubscribe'] = (client, sub, done) => {
    const s = sessions.get(client)
    if (!s) return done(new Error('not authenticated'))
    const decision = authorizeSubscribe(s.principal, sub.topic, topicLimits)
    const full = !s.subscriptions.has(sub.topic) && s.subscriptions.size >= limits.maxSubscriptionsPerClient
    if (!decision.allow || full) {
      stats.bump(s.counters, 'deniedSubscribe')
      log.warn({ clientId: client.id, filter: sub.topic, reason: decision.allow ? 'too-many' : decision.reason }, 'subscribe refused')
      return done(null, null) // SUBACK 0x80 for this filter [MQTT-3.9.3]
    }
    s.subscriptions.add(sub.topic)
    done(null, sub)
  }

  const authorizeForward: AedesOptions['authorizeForward'] = (client, packet) => {
    const conn = client.conn as { writableLength?: number }
    const backlog = conn.writableLength ?? 0
    if (backlog > OUTGOING_HARD_BYTES) {
      stats.totals.slowDisconnects++
      log.warn({ clientId: client.id, backlog }, 'subscriber too slow; disconnecting')
      client.close()
      return null
    }
    if (backlog > OUTGOING_SOFT_BYTES && packet.qos === 0) {
      stats.bump(sessions.get(client)?.counters, 'droppedOutgoing')
      return null
    }
    return packet
  }

  return {
    hooks: { preConnect, authenticate, authorizePublish: authorizePublishHook, authorizeSubscribe: authorizeSubscribeHook, authorizeForward },
    session: (client: Client) => sessions.get(client),
    onClose,
  }
}
