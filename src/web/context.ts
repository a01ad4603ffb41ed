import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { AccountService } from '../devices/accounts.js'
import type { DeviceStateCache } from '../devices/state-cache.js'
import type { OwnerService } from '../owner/owner.js'
import type { LoginThrottle } from '../policy/login-throttle.js'
import type { SecurityLog } from '../monitor/security-log.js'
import type { Session, SessionStore } from './sessions.js'
import type { PrivacyWebDeps } from './routes/privacy.js'
import type { PairingService } from '../pairing/pairing.js'
import type { UpdateParts } from '../update/assemble.js'
import type { UplinkApi } from './routes/uplink.js'

/** Everything the routes use, passed in by the composition root. */
export interface WebDeps {
  tls: { cert: string; key: string }
  log: Logger
  clock: Clock
  owner: OwnerService
  sessions: SessionStore
  throttle: LoginThrottle
  /** Recent logins, failures and alerts for the security page. */
  securityLog: SecurityLog
  accounts: AccountService
  states: DeviceStateCache
  /** Facts for /about and /security. */
  about: () => { model: string; version: string; hubId: string; supportEnd: string }
  security: () => Record<string, unknown>
  mqtt: () => { host: string; port: number; caFingerprint: string; ca: string }
  /** Zigbee pairing windows (status says when no coordinator is configured). */
  pairing?: PairingService
  /** Registers a Zigbee install code (IEEE address, code as printed). */
  installCode?: (ieee: string, code: string) => Promise<void>
  /** Publishes a validated command to a device as the hub (`hearth/<id>/set`). */
  publishCommand: (deviceId: string, payload: string) => Promise<void>
  /** Deletes a device with everything about it (account, retained messages, history, radio). */
  deleteDevice: (deviceId: string) => Promise<void>
  privacy: PrivacyWebDeps
  /** The optional uplink (status, owner's enable/disable). */
  uplink?: UplinkApi
  /** Static UI files, path → bytes (loaded at start; nothing is read from disk per request). */
  assets: Map<string, { body: Buffer; type: string }>
  /** Updates and software integrity (routes/update.ts); absent in tests that do not need them. */
  update?: UpdateParts
  /** For /.well-known/security.txt (RFC 9116). */
  securityTxt?: { supportEnd: string }
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
  interface FastifyInstance {
    /** Compiles every route schema still pending (they compile on first use); returns how many. */
    compileAllSchemas(): number
  }
  interface FastifyRequest {
    session?: Session
  }
  interface FastifyContextConfig {
    /** `public`: no session needed (health, setup state, claim, login, static files). */
    access?: 'public' | 'owner'
  }
}
