import { createConnection } from 'node:net'
import { HubError, type ErrorCode } from '../core/errors.js'
import { ERRORS } from '../core/errors.js'
import { MAX_LINE, type AdminResponse } from './protocol.js'

/** Calls one method on a running hub's admin socket. */
export function adminCall(file: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(file)
    let buf = ''
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new HubError('HUB_ERR_ADMIN_PROTOCOL', `the hub did not answer ${method} within ${timeoutMs} ms`))
    }, timeoutMs)
    sock.setEncoding('utf8')
    sock.once('connect', () => sock.write(JSON.stringify({ id: 1, method, params }) + '\n'))
    sock.on('data', (chunk: string) => {
      buf += chunk
      if (buf.length > 16 * MAX_LINE) sock.destroy(new Error('answer too long'))
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      sock.end()
      let res: AdminResponse
      try {
        res = JSON.parse(buf.slice(0, nl)) as AdminResponse
      } catch {
        return reject(new HubError('HUB_ERR_ADMIN_PROTOCOL', 'the hub sent an answer that is not JSON'))
      }
      if (res.ok) resolve(res.result)
      else {
        const code = (res.error.code in ERRORS ? res.error.code : 'HUB_ERR_INTERNAL') as ErrorCode
        reject(new HubError(code, res.error.message))
      }
    })
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new HubError('HUB_ERR_NOT_RUNNING', 'no hub is running on this data dir'))
      else reject(new HubError('HUB_ERR_ADMIN_PROTOCOL', `admin socket: ${err.code ?? err.message}`))
    })
  })
}
