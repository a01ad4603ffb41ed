import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { AccountService } from '../devices/accounts.js'
import type { DeviceStateCache } from '../devices/state-cache.js'
import type { OwnerService } from '../owner/owner.js'
import type { LoginThrottle } from '../policy/login-throttle.js'
import type { Session, SessionStore } from './sessions.js'
import type { UplinkApi } from './routes/uplink.js'

/** Everything the routes use, passed in by the composition root. */
export interface WebDeps {
  tls: { cert: string; key: string }
  log: Logger
  clock: Clock
  owner: OwnerService
  sessions: SessionStore
  throttle: LoginThrottle
  accounts: AccountService
  states: DeviceStateCache
  /** Facts for /about and /security. */
  about: () => { model: string; version: string; hubId: string; supportEnd: string }
  security: () => Record<string, unknown>
  mqtt: () => { host: string; port: number; caFingerprint: string; ca: string }
  /** Publishes a validated command to a device as the hub (`hearth/<id>/set`). */
  publishCommand: (deviceId: string, payload: string) => Promise<void>
  /** The optional uplink (status, owner's enable/disable). */
  uplink?: UplinkApi
  /** Static UI files, path → bytes (loaded at start; nothing is read from disk per request). */
  assets: Map<string, { body: Buffer; type: string }>
}

export const COOKIE = '__Host-hearth'

export function cookieToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie
  if (!header || header.length > 4096) return undefined
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === COOKIE) return v.join('=')
  }
  return undefined
}

/** `__Host-` cookies must be Secure, Path=/ and have no Domain (RFC 6265bis). */
export function setSessionCookie(reply: FastifyReply, token: string, maxAgeS: number): void {
  void reply.header('set-cookie', `${COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}`)
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.header('set-cookie', `${COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`)
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session
  }
  interface FastifyContextConfig {
    /** `public`: no session needed (health, setup state, claim, login, static files). */
    access?: 'public' | 'owner'
  }
}
