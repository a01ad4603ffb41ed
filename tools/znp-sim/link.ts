import net from 'node:net'
import { SerialPort } from 'serialport'
import type { ZnpSimulator } from './simulator.js'

export interface Served {
  close(): Promise<void>
}

/** Serves the simulator on one end of a socat pty pair (`pty,raw,echo=0,link=…`). */
export function servePty(sim: ZnpSimulator, path: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, hupcl: false })
    port.open((err) => {
      if (err) return reject(err)
      const link = {
        write: (b: Buffer) => void (port.isOpen && port.write(b)),
        close: () => void (port.isOpen && port.close()),
      }
      port.on('data', (b: Buffer) => sim.receive(b))
      port.on('error', () => {})
      port.on('close', () => sim.detach(link))
      sim.attach(link)
      resolve({ close: () => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())) })
    })
  })
}

/** Serves the simulator over TCP (one host at a time; a new connection replaces the old). */
export function serveTcp(sim: ZnpSimulator, port = 0, host = '127.0.0.1'): Promise<Served & { port: number }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((sock) => {
    sock.setNoDelay(true)
    sockets.add(sock)
    const link = { write: (b: Buffer) => void sock.write(b), close: () => void sock.destroy() }
    sock.on('data', (b) => sim.receive(b))
    sock.on('error', () => {})
    sock.on('close', () => (sockets.delete(sock), sim.detach(link)))
    sim.attach(link)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const addr = server.address() as net.AddressInfo
      resolve({
        port: addr.port,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy()
          server.close(() => r())
        }),
      })
    })
  })
}
