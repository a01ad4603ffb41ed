import type { FastifyInstance, RouteOptions } from 'fastify'

/**
 * An OpenAPI 3.0 description generated from the routes' own JSON Schemas (one schema: the
 * validator, the TypeScript type and this document), served at GET /api/v1/openapi.json.
 */
export function collectOpenApi(app: FastifyInstance, info: () => { version: string }): () => object {
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (r) => {
    if (typeof r.url === 'string' && r.url.startsWith('/api/')) routes.push(r)
  })
  return () => {
    const paths: Record<string, Record<string, unknown>> = {}
    for (const r of routes) {
      const url = r.url.replace(/:([A-Za-z]+)/g, '{$1}')
      const schema = (r.schema ?? {}) as { body?: object; params?: { properties?: Record<string, object> }; querystring?: object; response?: Record<string, object> }
      for (const method of [r.method].flat()) {
        if (method === 'HEAD') continue
        const op: Record<string, unknown> = {
          security: r.config && (r.config as { access?: string }).access === 'public' ? [] : [{ session: [] }],
          responses: Object.fromEntries(
            Object.entries(schema.response ?? {}).map(([code, s]) => [code.replace('xx', 'XX'), { description: code, content: { 'application/json': { schema: s } } }]),
          ),
        }
        if (schema.params?.properties)
          op.parameters = Object.entries(schema.params.properties).map(([name, s]) => ({ name, in: 'path', required: true, schema: s }))
        if (schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: schema.body } } }
        ;(paths[url] ??= {})[method.toLowerCase()] = op
      }
    }
    return {
      openapi: '3.0.3',
      info: { title: 'Hearth hub API', version: info().version },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: '__Host-hearth', description: 'plus an x-csrf-token header on state-changing requests' },
        },
      },
      paths,
    }
  }
}
