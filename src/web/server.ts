import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import { tlsServerOptions } from '../system/tls-options.js'
import { SECURITY_HEADERS } from './headers.js'

export interface WebDeps {
  tls: { cert: string; key: string }
  log: Logger
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false })

/**
 * The HTTPS API (fastify). Every error leaves as `{ code, message }` — never a stack trace — and
 * every response carries the security headers.
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
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  })
  const log = deps.log

  app.addHook('onSend', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS)
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })

  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ code: 'HUB_ERR_NOT_FOUND', message: 'no such route' })
  })

  app.setErrorHandler((err, req, reply) => {
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message: string }
    if (e.validation) return reply.code(400).send({ code: 'HUB_ERR_BAD_REQUEST', message: e.message })
    if (err instanceof HubError) return reply.code(err.httpStatus).send({ code: err.code, message: err.message })
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return reply.code(e.statusCode).send({ code: 'HUB_ERR_BAD_REQUEST', message: 'bad request' })
    log.error({ err, url: req.url }, 'request failed')
    return reply.code(500).send({ code: 'HUB_ERR_INTERNAL', message: 'internal error' })
  })

  app.get(
    '/api/v1/health',
    {
      schema: {
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }), '4xx': ErrorBody },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  return app
}
