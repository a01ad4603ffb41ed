import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HubError } from '../../core/errors.js'
import { Empty, errors, Name, Password, SessionInfo } from '../schemas.js'
import { ABSOLUTE_MS } from '../sessions.js'
import { clearSessionCookie, cookieToken, setSessionCookie, type WebDeps } from '../context.js'

const Claim = Type.Object({ setupCode: Type.String({ minLength: 1, maxLength: 32 }), name: Name, password: Password }, { additionalProperties: false })
const Login = Type.Object({ name: Type.Optional(Name), password: Password }, { additionalProperties: false })
const ChangePassword = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false })

/** Claim, login, logout, who-am-I, password change (EN 303 645 5.1-1, 5.1-4, 5.1-5). */
export function authRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { owner, sessions, throttle, clock, securityLog } = deps

  /** Refuses with 429 + Retry-After while an address (or everyone) is backing off. */
  const gate = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const d = throttle.check(req.ip, clock.monotonicMs())
    if (d.allow) return true
    securityLog.record('rate-limited', 'too many login or claim attempts: made to wait', req.ip)
    void reply.header('retry-after', String(Math.ceil(d.retryAfterMs / 1000)))
    void reply.code(429).send({ code: 'HUB_ERR_RATE_LIMITED', message: `too many attempts: try again in ${Math.ceil(d.retryAfterMs / 1000)} s` })
    return false
  }
  const startSession = (req: FastifyRequest, reply: FastifyReply, name: string) => {
    const { token, session } = sessions.create(name, req.ip)
    setSessionCookie(reply, token, ABSOLUTE_MS / 1000)
    return { name: session.name, csrfToken: session.csrf }
  }

  app.get('/api/v1/setup', { config: { access: 'public' }, schema: { response: { 200: Type.Object({ claimed: Type.Boolean() }, { additionalProperties: false }), ...errors } } }, async () => ({
    claimed: owner.claimed,
  }))

  app.post('/api/v1/claim', { config: { access: 'public' }, schema: { body: Claim, response: { 201: SessionInfo, ...errors } } }, async (req, reply) => {
    if (!gate(req, reply)) return reply
    const body = req.body as { setupCode: string; name: string; password: string }
    try {
      await owner.claim(body.setupCode, body.name, body.password)
    } catch (err) {
      if (err instanceof HubError && err.code === 'HUB_ERR_UNAUTHORIZED') {
        throttle.failed(req.ip, clock.monotonicMs())
        securityLog.record('claim-failed', 'wrong setup code', req.ip)
      }
      throw err
    }
    throttle.succeeded(req.ip)
    deps.log.info({ address: req.ip }, 'hub claimed')
    securityLog.record('claim', 'hub claimed by its owner', req.ip)
    return reply.code(201).send(startSession(req, reply, owner.name!))
  })

  app.post('/api/v1/session', { config: { access: 'public' }, schema: { body: Login, response: { 200: SessionInfo, ...errors } } }, async (req, reply) => {
    if (!owner.claimed) throw new HubError('HUB_ERR_UNAUTHORIZED', 'the hub is not claimed yet: claim it with its setup code')
    if (!gate(req, reply)) return reply
    const body = req.body as { name?: string; password: string }
    if (!(await owner.verify(body.name, body.password))) {
      throttle.failed(req.ip, clock.monotonicMs())
      deps.log.warn({ address: req.ip }, 'login failed')
      securityLog.record('login-failed', 'wrong name or password', req.ip)
      throw new HubError('HUB_ERR_UNAUTHORIZED', 'name or password is not right')
    }
    throttle.succeeded(req.ip)
    deps.log.info({ address: req.ip }, 'login')
    securityLog.record('login', 'owner logged in', req.ip)
    return startSession(req, reply, owner.name!)
  })

  app.get('/api/v1/session', { schema: { response: { 200: SessionInfo, ...errors } } }, async (req) => ({ name: req.session!.name, csrfToken: req.session!.csrf }))

  app.delete('/api/v1/session', { schema: { response: { 204: Empty, ...errors } } }, async (req, reply) => {
    sessions.destroy(cookieToken(req))
    clearSessionCookie(reply)
    return reply.code(204).send()
  })

  app.put('/api/v1/password', { schema: { body: ChangePassword, response: { 204: Empty, ...errors } } }, async (req, reply) => {
    const body = req.body as { currentPassword: string; newPassword: string }
    // Guessing the current password from a stolen session is brute force too.
    if (!gate(req, reply)) return reply
    try {
      await owner.changePassword(body.currentPassword, body.newPassword)
    } catch (err) {
      if (err instanceof HubError && err.code === 'HUB_ERR_FORBIDDEN') {
        throttle.failed(req.ip, clock.monotonicMs())
        securityLog.record('login-failed', 'wrong current password when changing the password', req.ip)
      }
      throw err
    }
    const ended = sessions.destroyOthers(cookieToken(req))
    deps.log.info({ endedSessions: ended }, 'owner password changed')
    securityLog.record('password-changed', `owner password changed; ${ended} other session(s) ended`, req.ip)
    return reply.code(204).send()
  })
}
