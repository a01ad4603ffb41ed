import { timingSafeEqual } from 'node:crypto'
import { HubError } from '../core/errors.js'
import { normaliseSetupCode } from '../core/ids.js'
import type { Clock } from '../core/clock.js'
import { checkPassword } from '../policy/password.js'
import type { DocSpec } from '../store/document.js'
import type { Sealed } from '../store/sealer.js'
import type { Doc, Store } from '../store/store.js'
import { hashPassword, verifyPassword } from './passwords.js'

export interface OwnerDoc {
  owner: null | { name: string; passwordHash: Sealed; claimedAt: string; passwordChangedAt: string }
}

export const OWNER_DOC: DocSpec<OwnerDoc> = {
  name: 'owner.json',
  sealed: true,
  schema: 1,
  check: (d): d is OwnerDoc => typeof d === 'object' && d !== null && 'owner' in d,
}

const NAME = /^[^\p{Cc}\p{Cf}]{1,64}$/u

/**
 * The hub's owner: claimed once with the setup code (EN 303 645 5.1-1: no default password),
 * password stored as argon2id, sealed at rest. Knows nothing about HTTP.
 */
export class OwnerService {
  private constructor(
    private readonly doc: Doc<OwnerDoc>,
    private readonly store: Store,
    private readonly deps: { setupCode: () => string; markClaimed: (claimed: boolean) => Promise<void>; clock: Clock },
  ) {}

  static async open(store: Store, deps: OwnerService['deps']): Promise<OwnerService> {
    return new OwnerService(await store.document(OWNER_DOC, () => ({ owner: null })), store, deps)
  }

  get claimed(): boolean {
    return this.doc.data.owner !== null
  }

  get name(): string | undefined {
    return this.doc.data.owner?.name
  }

  /** The owner's record without the password hash (for the export). */
  get info(): { name: string; claimedAt: string; passwordChangedAt: string } | null {
    const o = this.doc.data.owner
    return o && { name: o.name, claimedAt: o.claimedAt, passwordChangedAt: o.passwordChangedAt }
  }

  /** Claims the hub: the setup code must match; afterwards it never works again for a claim. */
  async claim(setupCode: string, name: string, password: string): Promise<void> {
    if (this.claimed) throw new HubError('HUB_ERR_CLAIMED', 'this hub is already claimed')
    if (!this.codeMatches(setupCode)) throw new HubError('HUB_ERR_UNAUTHORIZED', 'the setup code is not right: check the label or run `hearth setup-code` on the box')
    await this.setOwner(name.trim(), password)
    await this.deps.markClaimed(true)
  }

  async verify(name: string | undefined, password: string): Promise<boolean> {
    const owner = this.doc.data.owner
    if (!owner) return false
    const ok = await verifyPassword(this.store.sealer.openText(owner.passwordHash), password)
    return ok && (name === undefined || name.trim().toLowerCase() === owner.name.toLowerCase())
  }

  async changePassword(current: string, next: string): Promise<void> {
    const owner = this.doc.data.owner
    if (!owner) throw new HubError('HUB_ERR_UNAUTHORIZED', 'the hub is not claimed')
    if (!(await this.verify(undefined, current))) throw new HubError('HUB_ERR_FORBIDDEN', 'the current password is not right')
    await this.setOwner(owner.name, next, owner.claimedAt)
  }

  /** On-the-box recovery (`hearth owner reset`): the setup code proves physical possession. */
  async reset(setupCode: string, password: string): Promise<void> {
    const owner = this.doc.data.owner
    if (!owner) throw new HubError('HUB_ERR_BAD_REQUEST', 'the hub is not claimed yet: claim it in the browser')
    if (!this.codeMatches(setupCode)) throw new HubError('HUB_ERR_UNAUTHORIZED', 'the setup code is not right')
    await this.setOwner(owner.name, password, owner.claimedAt)
  }

  private codeMatches(input: string): boolean {
    const a = Buffer.from(normaliseSetupCode(input))
    const b = Buffer.from(this.deps.setupCode())
    return a.length === b.length && timingSafeEqual(a, b)
  }

  private async setOwner(name: string, password: string, claimedAt?: string): Promise<void> {
    if (!NAME.test(name)) throw new HubError('HUB_ERR_BAD_REQUEST', 'name must be 1-64 printable characters')
    const verdict = checkPassword(password, { name })
    if (!verdict.ok) throw new HubError('HUB_ERR_BAD_REQUEST', `password refused: ${verdict.reason}`, { field: 'password' })
    const now = new Date(this.deps.clock.wallMs()).toISOString()
    this.doc.data = { owner: { name, passwordHash: this.store.sealer.seal(await hashPassword(password)), claimedAt: claimedAt ?? now, passwordChangedAt: now } }
    await this.doc.write()
  }
}
