import type http from 'node:http'
import { createRequire } from 'node:module'
import { SECURITY_HEADERS } from './headers.js'

/**
 * The optional plain-HTTP listener: it serves nothing and only sends browsers to HTTPS
 * (issue 4; EN 303 645 5.5-1 — nothing sensitive over plain HTTP). GET/HEAD get a 301 to the same
 * path on the HTTPS port; anything else a 405, so no form or API call is ever answered in clear.
 *
 * The target host is the one the browser asked for only when it is a name or address the hub's
 * certificate covers; anything else (DNS rebinding, a forged Host) goes to the hub's own name,
 * so the listener is never an open redirect.
 */
export interface RedirectDeps {
  httpsPort: () => number
  /** Host names and addresses the hub's certificate covers (lowercase). */
  names: () => readonly string[]
  /** Where to send a request whose Host is not one of `names`. */
  fallbackHost: () => string
}

const MAX_PATH = 2048

export function redirectTarget(deps: RedirectDeps, hostHeader: string | undefined, url: string | undefined): string {
  const names = deps.names()
  let host = deps.fallbackHost()
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(hostHeader ?? '')
  if (m) {
    const asked = m[1]!.toLowerCase()
    if (names.includes(asked.replace(/^\[|\]$/g, ''))) host = asked
  }
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`
  // Only an absolute path goes along; anything odd (`//evil`, too long, no path) becomes `/`.
  const path = url && url.startsWith('/') && !url.startsWith('//') && url.length <= MAX_PATH ? url : '/'
  return `https://${host}:${deps.httpsPort()}${path}`
}

/**
 * node:http through require(), not an ESM import: on Node 24 importing node:http as a module
 * evaluates every export, lazy `WebSocket`/`EventSource` getters included, which loads undici
 * (~3 MB of idle memory on a hub that never uses it). require() returns the object unevaluated.
 */
const loadHttp = () => createRequire(import.meta.url)('node:http') as typeof http

export function createRedirectServer(deps: RedirectDeps): http.Server {
  const server = loadHttp().createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 10_000 }, (req, res) => {
    const headers = { ...SECURITY_HEADERS, 'cache-control': 'no-store', connection: 'close' }
    // No body is read: it is discarded unread as the connection closes.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'application/json' })
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ code: 'HUB_ERR_USE_HTTPS', message: 'this port only redirects to HTTPS' }))
      return
    }
    res.writeHead(301, { ...headers, location: redirectTarget(deps, req.headers.host, req.url) })
    res.end()
  })
  server.keepAliveTimeout = 1000
  return server
}
