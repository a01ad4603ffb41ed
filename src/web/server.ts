import Fastify, { type FastifyInstance } from 'fastify'
import { HubError } from '../core/errors.js'
import { tlsServerOptions } from '../system/tls-options.js'
import { cookieToken, type WebDeps } from './context.js'
import { SECURITY_HEADERS } from './headers.js'
import { collectOpenApi } from './openapi.js'
import { createLazyCompilers } from './compilers.js'
import { authRoutes } from './routes/auth.js'
import { deviceRoutes } from './routes/devices.js'
import { privacyRoutes } from './routes/privacy.js'
import { systemRoutes } from './routes/system.js'
import { pairingRoutes } from './routes/pairing.js'
import { updateRoutes } from './routes/update.js'
import { uplinkRoutes } from './routes/uplink.js'
import { csrfMatches } from './sessions.js'

export type { WebDeps } from './context.js'

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * The HTTPS API and UI (fastify). Default deny: every route needs the owner's session unless it
 * is marked public; every state-changing request also needs the session's CSRF token
 * (EN 303 645 5.5-5). Errors leave as `{ code, message }`, never a stack trace.
 */
export function createWebServer(deps: WebDeps): FastifyInstance {
  const app = Fastify({
    https: tlsServerOptions(deps.tls),
    logger: false,
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  })
  // HTTP boundary (src/web/compilers.ts): no coercion of bodies, unknown properties refused
  // (never stripped); compiled per route on first use, not at start.
  const compilers = createLazyCompilers()
  app.setValidatorCompiler(compilers.validatorCompiler)
  app.setSerializerCompiler(compilers.serializerCompiler)
  app.decorate('compileAllSchemas', () => compilers.compileAll())
  const { log } = deps
  const openapi = collectOpenApi(app, deps.about)

  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access ?? 'owner'
    if (access === 'public') return
    const session = deps.sessions.get(cookieToken(req))
    if (!session) return reply.code(401).send({ code: 'HUB_ERR_UNAUTHORIZED', message: deps.owner.claimed ? 'log in first' : 'claim this hub first' })
    if (STATE_CHANGING.has(req.method) && !csrfMatches(session, req.headers['x-csrf-token']))
      return reply.code(403).send({ code: 'HUB_ERR_FORBIDDEN', message: 'missing or wrong CSRF token' })
    req.session = session
  })

  app.addHook('onSend', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS)
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })

  app.setNotFoundHandler((req, reply) => {
    // Without a session, unknown routes look like every other protected route.
    if (!deps.sessions.get(cookieToken(req))) return reply.code(401).send({ code: 'HUB_ERR_UNAUTHORIZED', message: 'log in first' })
    return reply.code(404).send({ code: 'HUB_ERR_NOT_FOUND', message: 'no such route' })
  })

  app.setErrorHandler((err, req, reply) => {
    const e = err as { validation?: unknown; statusCode?: number; message: string }
    if (e.validation) return reply.code(400).send({ code: 'HUB_ERR_BAD_REQUEST', message: e.message })
    if (err instanceof HubError) return reply.code(err.httpStatus).send({ code: err.code, message: err.message })
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return reply.code(e.statusCode).send({ code: 'HUB_ERR_BAD_REQUEST', message: 'bad request' })
    log.error({ err, url: req.url }, 'request failed')
    return reply.code(500).send({ code: 'HUB_ERR_INTERNAL', message: 'internal error' })
  })

  systemRoutes(app, deps)
  authRoutes(app, deps)
  deviceRoutes(app, deps)
  privacyRoutes(app, deps)
  pairingRoutes(app, deps)
  updateRoutes(app, deps)
  uplinkRoutes(app, deps.uplink)
  app.get('/api/v1/openapi.json', async () => openapi())

  // The UI: a fixed set of files loaded at start; no path is ever joined with request input.
  for (const [file, asset] of deps.assets) {
    const url = file === 'index.html' ? '/' : `/${file}`
    app.get(url, { config: { access: 'public' } }, async (_req, reply) => reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body))
  }
  return app
}
