import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { promises as fsp } from 'node:fs'
import type { TSchema } from '@sinclair/typebox'
import type { ValidateFunction } from 'ajv'
import { HubError, toHubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import { compile, errorPath } from '../core/validate.js'
import { AdminRequest, MAX_LINE, type AdminResponse } from './protocol.js'

/** One method on the admin socket: a schema for its params and what it does. */
export interface AdminMethod<P = any> {
  params: TSchema
  handler: (params: P) => Promise<unknown>
}

const validateRequest = compile<AdminRequest>('payload', AdminRequest)

function isLive(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(file)
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

/**
 * The admin socket (a unix socket, 0600, in the 0700 data dir): how the `hearth` CLI on the box
 * talks to the running hub. Requests are validated like any other input (EN 303 645 5.13).
 */
export async function startAdminServer(file: string, methods: Record<string, AdminMethod>, log: Logger): Promise<{ close(): Promise<void> }> {
  if (await isLive(file)) throw new HubError('HUB_ERR_ALREADY_RUNNING', `a hub is already running on this data dir (${file})`)
  await fsp.rm(file, { force: true })
  // Methods may be added after the socket is up (it is taken first, as the data dir's lock).
  const validators = new Map<string, ValidateFunction>()
  const validatorFor = (name: string) => {
    let v = validators.get(name)
    if (!v && Object.hasOwn(methods, name)) validators.set(name, (v = compile('payload', methods[name]!.params)))
    return v
  }
  const sockets = new Set<Socket>()

  async function answer(line: string): Promise<AdminResponse> {
    let req: unknown
    try {
      req = JSON.parse(line)
    } catch {
      return { id: null, ok: false, error: { code: 'HUB_ERR_BAD_REQUEST', message: 'request is not JSON' } }
    }
    if (!validateRequest(req)) return { id: null, ok: false, error: { code: 'HUB_ERR_BAD_REQUEST', message: `invalid request: ${errorPath(validateRequest.errors![0]!)}` } }
    const method = Object.hasOwn(methods, req.method) ? methods[req.method] : undefined
    const check = validatorFor(req.method)
    if (!method || !check) return { id: req.id, ok: false, error: { code: 'HUB_ERR_NOT_FOUND', message: `unknown method ${req.method}` } }
    if (!check(req.params))
      return { id: req.id, ok: false, error: { code: 'HUB_ERR_BAD_REQUEST', message: `invalid ${errorPath(check.errors![0]!)}: ${check.errors![0]!.message}` } }
    try {
      return { id: req.id, ok: true, result: await method.handler(req.params) }
    } catch (err) {
      const e = toHubError(err)
      if (e.code === 'HUB_ERR_INTERNAL') log.error({ err, method: req.method }, 'admin method failed')
      return { id: req.id, ok: false, error: { code: e.code, message: e.message } }
    }
  }

  const server: Server = createServer((sock) => {
    sockets.add(sock)
    sock.once('close', () => sockets.delete(sock))
    sock.setTimeout(60_000, () => sock.destroy())
    let buf = ''
    sock.setEncoding('utf8')
    const tooLong = () => {
      sock.end(JSON.stringify({ id: null, ok: false, error: { code: 'HUB_ERR_BAD_REQUEST', message: 'request too long' } }) + '\n')
      sock.destroy()
    }
    sock.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.length > MAX_LINE) return tooLong()
        void answer(line).then((res) => sock.writable && sock.write(JSON.stringify(res) + '\n'))
      }
      if (buf.length > MAX_LINE) tooLong()
    })
    sock.on('error', () => sock.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new HubError('HUB_ERR_LISTEN', `admin socket ${file}: ${(err as NodeJS.ErrnoException).code}`)))
    server.listen(file, () => resolve())
  })
  await fsp.chmod(file, 0o600)
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}
