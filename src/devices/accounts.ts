import { EventEmitter } from 'node:events'
import { HubError } from '../core/errors.js'
import { randomSymbols, type RandomBytes } from '../core/ids.js'
import type { Clock } from '../core/clock.js'
import { clientIdNamespacesOverlap, grantsFor, type Grants, type Principal } from '../policy/acl.js'
import type { Doc, Store } from '../store/store.js'
import { ACCOUNTS_DOC, type AccountRecord, type AccountsDoc } from './accounts-doc.js'
import { isDeviceKind, type DeviceKind } from '../policy/device-kinds.js'
import { newToken, tokenMatches, tokenVerifier } from './tokens.js'

/** What callers see of an account: never the verifier. */
export type AccountView = Omit<AccountRecord, 'verifier'>

export const USERNAME_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/
const NAME_PATTERN = /^[^\p{Cc}\p{Cf}]{1,64}$/u
export const MAX_ACCOUNTS = 5000

interface Events {
  /** An account's token stopped working (removed or rotated): disconnect its clients now. */
  revoked: [username: string]
  /** The set of accounts or devices changed (discovery, UI, network policy follow it). */
  changed: []
}

/**
 * Devices and integration accounts, each with its own token (EN 303 645 5.1-1, 5.1-2A).
 * Every mutation is written durably before it is acknowledged.
 */
export class AccountService extends EventEmitter<Events> {
  /** What is live: written durably, used by verify() and every reader. */
  private readonly byName = new Map<string, AccountRecord>()
  /** The live view plus every change not yet handed to the store (the next write's content). */
  private staged: Map<string, AccountRecord> | undefined
  /** The snapshot being written now: changes staged meanwhile build on it. */
  private inflight: Map<string, AccountRecord> | undefined
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = []
  private writing = false

  private constructor(
    private readonly doc: Doc<AccountsDoc>,
    private readonly tokenKey: Uint8Array,
    private readonly random: RandomBytes,
    private readonly clock: Clock,
  ) {
    super()
    for (const a of doc.data.accounts) this.byName.set(a.username, a)
  }

  static async open(store: Store, deps: { tokenKey: Uint8Array; random: RandomBytes; clock: Clock }): Promise<AccountService> {
    const doc = await store.document(ACCOUNTS_DOC, () => ({ accounts: [] }))
    return new AccountService(doc, deps.tokenKey, deps.random, deps.clock)
  }

  /** The principal for a username and token, or null (unknown, wrong or revoked token). */
  verify(username: string | undefined, token: Buffer | string | undefined): Principal | null {
    if (!username || token === undefined) return null
    const presented = typeof token === 'string' ? token : token.toString('utf8')
    const rec = this.byName.get(username)
    // Hash even for unknown names, so timing does not reveal which usernames exist.
    const ok = tokenMatches(this.tokenKey, presented, rec?.verifier ?? '00'.repeat(32))
    // A Zigbee device never logs in over MQTT, whatever is presented.
    return ok && rec && !rec.zigbee ? principalOf(rec) : null
  }

  list(): AccountView[] {
    return [...this.byName.values()].map(view)
  }

  get(username: string): AccountView | undefined {
    const rec = this.byName.get(username)
    return rec && view(rec)
  }

  /** The kind of a device account, without copying the record (called on every publish). */
  kindOf(id: string): DeviceKind | undefined {
    const rec = this.byName.get(id)
    return rec?.role === 'device' ? rec.kind : undefined
  }

  devices(): AccountView[] {
    return this.list().filter((a) => a.role === 'device')
  }

  async addDevice(name: string, kind: string): Promise<{ id: string; token: string }> {
    checkName(name)
    if (!isDeviceKind(kind)) throw new HubError('HUB_ERR_BAD_REQUEST', `unknown device kind ${JSON.stringify(kind)} (see hearth device kinds)`)
    let id: string
    do id = 'd-' + randomSymbols(this.random, '23456789abcdefghjkmnpqrstvwxyz', 10)
    while (this.latest().has(id))
    const token = await this.insert({ username: id, role: 'device', name, kind: kind as DeviceKind })
    return { id, token }
  }

  /**
   * Registers a Zigbee device (after its interview): a device account with a kind, and no token —
   * its verifier is that of a random token nobody is ever shown, and {@link verify} refuses it anyway.
   */
  async addZigbeeDevice(name: string, kind: DeviceKind, ieee: string): Promise<{ id: string }> {
    checkName(name)
    if (!isDeviceKind(kind)) throw new HubError('HUB_ERR_BAD_REQUEST', 'unknown device kind')
    if (!/^[0-9a-f]{16}$/.test(ieee)) throw new HubError('HUB_ERR_BAD_REQUEST', 'malformed IEEE address')
    let id: string
    do id = 'd-' + randomSymbols(this.random, '23456789abcdefghjkmnpqrstvwxyz', 10)
    while (this.byName.has(id))
    await this.insert({ username: id, role: 'device', name, kind, zigbee: { ieee } })
    return { id }
  }

  async addAccount(username: string, role: 'integration' | 'custom', custom?: Grants): Promise<{ username: string; token: string }> {
    if (!USERNAME_PATTERN.test(username))
      throw new HubError('HUB_ERR_BAD_REQUEST', 'account name must be 2-32 characters of a-z, 0-9, _ and -, starting with a letter')
    if (role === 'custom' && (!custom || (custom.pub.allow.length === 0 && custom.sub.allow.length === 0)))
      throw new HubError('HUB_ERR_BAD_REQUEST', 'a custom account needs at least one --allow-pub or --allow-sub grant')
    const grants = role === 'custom' ? grantsFor('custom', { custom: custom! }) : undefined
    const token = await this.insert({ username, role, name: username, ...(grants ? { grants } : {}) })
    return { username, token }
  }

  async remove(username: string): Promise<void> {
    await this.commit((m) => {
      if (!m.delete(username)) throw new HubError('HUB_ERR_NOT_FOUND', `no device or account ${username}`)
    })
    this.emit('revoked', username)
    this.emit('changed')
  }

  async rotate(username: string): Promise<{ username: string; token: string }> {
    const token = newToken(this.random)
    await this.commit((m) => {
      const rec = found(m, username)
      if (rec.zigbee) throw new HubError('HUB_ERR_CONFLICT', `${username} is a Zigbee device: it has no MQTT token`)
      m.set(username, { ...rec, verifier: tokenVerifier(this.tokenKey, token), rotatedAt: this.now() })
    })
    this.emit('revoked', username)
    return { username, token }
  }

  async rename(username: string, name: string): Promise<AccountView> {
    checkName(name)
    await this.commit((m) => m.set(username, { ...found(m, username), name }))
    this.emit('changed')
    return view(found(this.byName, username))
  }

  /**
   * Factory wipe: every token stops working at once, in memory only (the files are being
   * erased); live clients are cut through `revoked`.
   */
  revokeAllInMemory(): void {
    const names = [...this.byName.keys()]
    this.byName.clear()
    for (const n of names) this.emit('revoked', n)
  }

  private async insert(fields: Omit<AccountRecord, 'verifier' | 'createdAt'>): Promise<string> {
    const token = newToken(this.random)
    await this.commit((m) => {
      // Checked against every change staged before this one, not only what is live.
      if (m.size >= MAX_ACCOUNTS) throw new HubError('HUB_ERR_CONFLICT', `the hub holds at most ${MAX_ACCOUNTS} devices and accounts`)
      if (m.has(fields.username)) throw new HubError('HUB_ERR_CONFLICT', `${fields.username} already exists`)
      const candidate = { username: fields.username, role: fields.role, ...(fields.role === 'device' ? { deviceId: fields.username } : {}) }
      for (const other of m.values())
        if (clientIdNamespacesOverlap(candidate, { username: other.username, role: other.role, ...(other.role === 'device' ? { deviceId: other.username } : {}) }))
          throw new HubError('HUB_ERR_CONFLICT', `${fields.username} would share MQTT client ids with ${other.username}: choose another name`)
      m.set(fields.username, { ...fields, verifier: tokenVerifier(this.tokenKey, token), createdAt: this.now() })
    })
    this.emit('changed')
    return token
  }

  /** The newest view: live, then in flight, then staged — what the next change must check against. */
  private latest(): Map<string, AccountRecord> {
    return this.staged ?? this.inflight ?? this.byName
  }

  /**
   * Stages a change and resolves once a durable write that contains it has finished; only then
   * is it live. Changes arriving while a write is in flight are grouped into the next write
   * (group commit: 2,000 pipelined adds are a handful of fsyncs), each building on all before it.
   * `change` validates before it mutates; if it throws, nothing is staged. If a write fails,
   * neither the store nor the running broker sees its changes, and every change staged on top
   * of it fails too.
   */
  private commit(change: (next: Map<string, AccountRecord>) => unknown): Promise<void> {
    const next = this.staged ?? new Map(this.inflight ?? this.byName)
    change(next)
    this.staged = next
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      void this.pump()
    })
  }

  private async pump(): Promise<void> {
    if (this.writing) return
    this.writing = true
    try {
      while (this.waiters.length > 0) {
        const batch = this.waiters.splice(0)
        const snapshot = this.staged!
        this.staged = undefined
        this.inflight = snapshot
        const previous = this.doc.data
        this.doc.data = { accounts: [...snapshot.values()] }
        try {
          await this.doc.write()
        } catch (err) {
          this.doc.data = previous
          this.inflight = undefined
          this.staged = undefined
          for (const w of [...batch, ...this.waiters.splice(0)]) w.reject(err)
          continue
        }
        this.inflight = undefined
        this.byName.clear()
        for (const [k, v] of snapshot) this.byName.set(k, v)
        for (const w of batch) w.resolve()
      }
    } finally {
      this.writing = false
    }
  }

  private now(): string {
    return new Date(this.clock.wallMs()).toISOString()
  }
}

function found(m: Map<string, AccountRecord>, username: string): AccountRecord {
  const rec = m.get(username)
  if (!rec) throw new HubError('HUB_ERR_NOT_FOUND', `no device or account ${username}`)
  return rec
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.trim() !== name)
    throw new HubError('HUB_ERR_BAD_REQUEST', 'name must be 1-64 printable characters without leading or trailing spaces')
}

function view(rec: AccountRecord): AccountView {
  const { verifier: _v, ...rest } = rec
  return rest
}

export function principalOf(rec: AccountRecord): Principal {
  if (rec.role === 'device') return { username: rec.username, role: 'device', deviceId: rec.username, grants: grantsFor('device', { deviceId: rec.username }) }
  if (rec.role === 'custom') return { username: rec.username, role: 'custom', grants: grantsFor('custom', { custom: rec.grants! }) }
  return { username: rec.username, role: 'integration', grants: grantsFor('integration') }
}
