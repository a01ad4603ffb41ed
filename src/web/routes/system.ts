import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { errors } from '../schemas.js'
import { cookieToken, type WebDeps } from '../context.js'

const SecurityEventSchema = Type.Object(
  {
    kind: Type.String(),
    severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('alert')]),
    detail: Type.String(),
    address: Type.Optional(Type.String()),
    count: Type.Integer({ minimum: 1 }),
    first: Type.String(),
    last: Type.String(),
  },
  { additionalProperties: false },
)
const Listener = Type.Object({ host: Type.String(), port: Type.Integer() }, { additionalProperties: false })
/** What the security page needs — and nothing else (no data dir, no pid: EN 303 645 5.6-2). */
const Security = Type.Object(
  {
    tlsFingerprint: Type.String(),
    hostname: Type.String(),
    uptimeSeconds: Type.Integer(),
    setupCodeValid: Type.Boolean(),
    listeners: Type.Object({ mqtts: Listener, https: Listener, httpRedirect: Type.Optional(Listener) }, { additionalProperties: false }),
    broker: Type.Record(Type.String(), Type.Union([Type.Integer(), Type.Record(Type.String(), Type.Integer())])),
    firewall: Type.Optional(Type.Unknown()),
    events: Type.Array(SecurityEventSchema, { maxItems: 200 }),
  },
  { additionalProperties: false },
)

const About = Type.Object({ model: Type.String(), version: Type.String(), hubId: Type.String(), supportEnd: Type.String() }, { additionalProperties: false })

/** Health, about, security facts, the live event stream. */
export function systemRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get(
    '/api/v1/health',
    { config: { access: 'public' }, schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }), ...errors } } },
    async () => ({ status: 'ok' as const }),
  )

  app.get('/api/v1/about', { schema: { response: { 200: About, ...errors } } }, async () => deps.about())

  app.get('/api/v1/security', { schema: { response: { 200: Security, ...errors } } }, async () => ({ ...deps.security(), events: deps.securityLog.list() }))

  // Live device state as Server-Sent Events (one small JSON per change; heartbeats keep proxies honest).
  app.get('/api/v1/events', { schema: { response: { ...errors } } }, (req, reply) => {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    res.write(': hearth\n\n')
    const token = cookieToken(req)
    // The stream ends with its session (logout, password change, expiry): no data after that.
    const live = () => {
      if (deps.sessions.alive(token)) return true
      res.end()
      return false
    }
    const on = (id: string, state: unknown) => {
      if (!live() || res.writableLength > 256 * 1024) return // a stalled reader loses updates, not the hub's memory
      res.write(`event: state\ndata: ${JSON.stringify({ id, ...(state as object) })}\n\n`)
    }
    deps.states.on('update', on)
    const beat = setInterval(() => live() && res.write(': beat\n\n'), 25_000)
    req.raw.on('close', () => {
      clearInterval(beat)
      deps.states.off('update', on)
    })
  })
}
