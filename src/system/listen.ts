import type { Server } from 'node:net'
import { HubError } from '../core/errors.js'

/** Listens and resolves with the bound port; a busy port becomes a one-line HubError naming the setting. */
export function listen(server: Server, port: number, host: string, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE')
        reject(new HubError('HUB_ERR_PORT_IN_USE', `${setting} ${port} on ${host} is already in use: stop the other program or choose another port`, { setting }))
      else reject(new HubError('HUB_ERR_LISTEN', `${setting}: cannot listen on ${host}:${port} (${err.code ?? err.message})`, { setting }))
    }
    const onListening = () => {
      server.off('error', onError)
      const addr = server.address()
      resolve(typeof addr === 'object' && addr ? addr.port : port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ port, host, exclusive: true })
  })
}
