import type { Socket } from 'node:net'
import type { Server as TlsServer, TLSSocket } from 'node:tls'

/**
 * At most `max` TLS handshakes in progress; a TCP connection beyond that is closed at once,
 * before any crypto is spent on it (EN 303 645 5.9-3). Admission control (CONNACK 3) only acts
 * after a handshake: when a whole fleet returns at once, handshakes that cannot finish within
 * the clients' timeouts would otherwise eat the CPU and nobody would get in (congestion
 * collapse). A device that is shed sees a reset and backs off like after any failure.
 */
export function gateHandshakes(tls: TlsServer, max: number): { shed(): number; pending(): number } {
  const waiting = new Map<string, () => void>()
  let pending = 0
  let shed = 0
  tls.on('connection', (s: Socket) => {
    s.on('error', () => s.destroy())
    if (pending >= max) {
      shed++
      s.destroy()
      return
    }
    pending++
    const key = `${s.remoteAddress}|${s.remotePort}`
    let done = false
    const release = () => {
      if (done) return
      done = true
      pending--
      waiting.delete(key)
    }
    waiting.set(key, release)
    s.once('close', release)
  })
  tls.on('secureConnection', (t: TLSSocket) => waiting.get(`${t.remoteAddress}|${t.remotePort}`)?.())
  return { shed: () => shed, pending: () => pending }
}
