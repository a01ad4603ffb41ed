import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '../core/clock.js'

/**
 * Owner sessions for the web UI. Expiry is measured on the monotonic clock (a Pi has no RTC and
 * may jump years at its first NTP sync): idle and absolute limits. Tokens are 256-bit random;
 * only their SHA-256 is kept, so a memory dump does not hand out live cookies. Sessions live in
 * memory: a restart logs everyone out, which is the safe default.
 */
export interface Session {
  name: string
  csrf: string
  created: number
  lastSeen: number
  address: string
}

export const IDLE_MS = 30 * 60_000
export const ABSOLUTE_MS = 12 * 60 * 60_000
const MAX_SESSIONS = 64

const digest = (token: string) => createHash('sha256').update(token).digest('hex')

export class SessionStore {
  private readonly sessions = new Map<string, Session>()

  constructor(private readonly clock: Clock) {}

  create(name: string, address: string): { token: string; session: Session } {
    const token = randomBytes(32).toString('base64url')
    const now = this.clock.monotonicMs()
    const session = { name, csrf: randomBytes(32).toString('base64url'), created: now, lastSeen: now, address }
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!)
    this.sessions.set(digest(token), session)
    return { token, session }
  }

  /** The live session for a cookie value, refreshed; undefined if unknown or expired. */
  get(token: string | undefined): Session | undefined {
    if (!token || token.length > 100) return undefined
    const key = digest(token)
    const s = this.sessions.get(key)
    if (!s) return undefined
    const now = this.clock.monotonicMs()
    if (now - s.lastSeen > IDLE_MS || now - s.created > ABSOLUTE_MS) {
      this.sessions.delete(key)
      return undefined
    }
    s.lastSeen = now
    return s
  }

  /** Whether a session is still live, without counting as activity (for long-lived streams). */
  alive(token: string | undefined): boolean {
    if (!token) return false
    const s = this.sessions.get(digest(token))
    if (!s) return false
    const now = this.clock.monotonicMs()
    return now - s.lastSeen <= IDLE_MS && now - s.created <= ABSOLUTE_MS
  }

  destroy(token: string | undefined): void {
    if (token) this.sessions.delete(digest(token))
  }

  /** Ends every session but the one given (after a password change). */
  destroyOthers(token: string | undefined): number {
    const keep = token ? digest(token) : undefined
    let n = 0
    for (const k of [...this.sessions.keys()]) if (k !== keep) (this.sessions.delete(k), n++)
    return n
  }

  get size(): number {
    return this.sessions.size
  }
}

/** Constant-time check of a CSRF header against the session's token. */
export function csrfMatches(session: Session, header: unknown): boolean {
  if (typeof header !== 'string') return false
  const a = Buffer.from(header)
  const b = Buffer.from(session.csrf)
  return a.length === b.length && timingSafeEqual(a, b)
}
