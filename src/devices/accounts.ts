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
  private readonly byName = new Map<string, AccountRecord>()

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
    while (this.byName.has(id))
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
    if (!this.byName.has(username)) throw new HubError('HUB_ERR_NOT_FOUND', `no device or account ${username}`)
    await this.commit((m) => m.delete(username))
    this.emit('revoked', username)
    this.emit('changed')
  }

  async rotate(username: string): Promise<{ username: string; token: string }> {
    const rec = this.byName.get(username)
    if (!rec) throw new HubError('HUB_ERR_NOT_FOUND', `no device or account ${username}`)
    if (rec.zigbee) throw new HubError('HUB_ERR_CONFLICT', `${username} is a Zigbee device: it has no MQTT token`)
    const token = newToken(this.random)
    await this.commit((m) => m.set(username, { ...rec, verifier: tokenVerifier(this.tokenKey, token), rotatedAt: this.now() }))
    this.emit('revoked', username)
    return { username, token }
  }

  async rename(username: string, name: string): Promise<AccountView> {
    checkName(name)
    const rec = this.byName.get(username)
    if (!rec) throw new HubError('HUB_ERR_NOT_FOUND', `no device or account ${username}`)
    await this.commit((m) => m.set(username, { ...rec, name }))
    this.emit('changed')
    return view(this.byName.get(username)!)
  }

  private async insert(fields: Omit<AccountRecord, 'verifier' | 'createdAt'>): Promise<string> {
    if (this.byName.size >= MAX_ACCOUNTS) throw new HubError('HUB_ERR_CONFLICT', `the hub holds at most ${MAX_ACCOUNTS} devices and accounts`)
    if (this.byName.has(fields.username)) throw new HubError('HUB_ERR_CONFLICT', `${fields.username} already exists`)
    const candidate = { username: fields.username, role: fields.role, ...(fields.role === 'device' ? { deviceId: fields.username } : {}) }
    for (const other of this.byName.values())
      if (clientIdNamespacesOverlap(candidate, { username: other.username, role: other.role, ...(other.role === 'device' ? { deviceId: other.username } : {}) }))
        throw new HubError('HUB_ERR_CONFLICT', `${fields.username} would share MQTT client ids with ${other.username}: choose another name`)
    const token = newToken(this.random)
    await this.commit((m) => m.set(fields.username, { ...fields, verifier: tokenVerifier(this.tokenKey, token), createdAt: this.now() }))
    this.emit('changed')
    return token
  }

  /**
   * Applies a change to a copy, writes it durably, and only then makes it live: if the write
   * fails, neither the store nor the running broker sees the change.
   */
  private async commit(change: (next: Map<string, AccountRecord>) => unknown): Promise<void> {
    const next = new Map(this.byName)
    change(next)
    const previous = this.doc.data
    this.doc.data = { accounts: [...next.values()] }
    try {
      await this.doc.write()
    } catch (err) {
      this.doc.data = previous
      throw err
    }
    this.byName.clear()
    for (const [k, v] of next) this.byName.set(k, v)
  }

  private now(): string {
    return new Date(this.clock.wallMs()).toISOString()
  }
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
