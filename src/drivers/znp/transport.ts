import { stat as fsStat } from 'node:fs'
import net from 'node:net'
import { EventEmitter } from 'node:events'
import { HubError } from '../../core/errors.js'

/**
 * One byte stream to the coordinator, whatever carries it: a serial port (`/dev/ttyUSB0`, a
 * socat pty) or TCP (`tcp://host:port`, a network-attached stick or the simulator). Everything
 * above sees only this interface; tests fake nothing below it (they use real ptys and sockets).
 */
export interface ByteStream {
  write(bytes: Buffer): void
  /** `data`: bytes arrived; `close`: the link went away (unplug, peer closed); fires once. */
  on(event: 'data', fn: (b: Buffer) => void): this
  on(event: 'close', fn: (reason: string) => void): this
  close(): Promise<void>
}

export type OpenStream = (port: string) => Promise<ByteStream>

const TCP = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/

/** Parses `tcp://host:port`; undefined for a serial path. */
export function tcpTarget(port: string): { host: string; port: number } | undefined {
  const m = TCP.exec(port)
  if (!m) return undefined
  const n = Number(m[2])
  if (n < 1 || n > 65535) return undefined
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: n }
}

class StreamAdapter extends EventEmitter implements ByteStream {
  private closed = false
  constructor(
    private readonly writeFn: (b: Buffer) => void,
    private readonly closeFn: () => Promise<void>,
  ) {
    super()
  }
  write(b: Buffer): void {
    if (!this.closed) this.writeFn(b)
  }
  gone(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.emit('close', reason)
  }
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.closeFn()
  }
}

function openTcp(host: string, port: number): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, noDelay: true })
    const onError = (err: Error) => reject(new HubError('HUB_ERR_ZIGBEE_OFFLINE', `cannot reach the coordinator at tcp://${host}:${port}`, undefined, { cause: err }))
    sock.once('error', onError)
    sock.once('connect', () => {
      sock.off('error', onError)
      const s = new StreamAdapter(
        (b) => sock.write(b),
        () => new Promise<void>((r) => (sock.once('close', () => r()), sock.destroy())),
      )
      sock.on('data', (b: Buffer) => s.emit('data', b))
      sock.on('error', () => {})
      sock.on('close', () => s.gone('connection closed'))
      resolve(s)
    })
  })
}

/** How often a serial link checks that its device node still exists (see openSerial). */
export const DEVICE_CHECK_MS = 1000

async function openSerial(path: string): Promise<ByteStream> {
  // Loaded only when a serial path is configured: native bindings stay out of tcp-only runs.
  const { SerialPort } = await import('serialport')
  return new Promise((resolve, reject) => {
    // 115200 8N1, no flow control (Z-Stack's default). A pty ignores the speed; DTR/RTS are not
    // toggled (a pty can't; sticks that need a bootloader kick get the 0xEF byte instead).
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, rtscts: false, hupcl: false })
    port.open((err) => {
      if (err) return reject(new HubError('HUB_ERR_ZIGBEE_OFFLINE', `cannot open the coordinator at ${path}`, undefined, { cause: err }))
      const s = new StreamAdapter(
        (b) => port.write(b),
        () => (clearInterval(watch), new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r()))),
      )
      // The link is lost on a close, on any port error (a write or read into a hung-up tty), or
      // when the device node goes away: serialport's poller misses hang-ups (6 of 20 socat ptys
      // killed here went unnoticed for 2.5 s; 0 of 20 with this check), and the stick would then
      // only be found gone by the 30 s liveness ping. Lost once: the port is closed, `close` fires once.
      const lost = (reason: string) => {
        clearInterval(watch)
        if (port.isOpen) port.close(() => {})
        s.gone(reason)
      }
      const watch = setInterval(() => fsStat(path, (err) => err?.code === 'ENOENT' && lost('device removed')), DEVICE_CHECK_MS)
      watch.unref()
      port.on('data', (b: Buffer) => s.emit('data', b))
      port.on('error', (err) => lost(`port error: ${err.message}`))
      port.on('close', () => lost('port closed'))
      resolve(s)
    })
  })
}

/** Opens `zigbee.port`: `tcp://host:port` or a serial device path. */
export const openStream: OpenStream = async (port) => {
  const tcp = tcpTarget(port)
  if (tcp) return openTcp(tcp.host, tcp.port)
  if (port.startsWith('tcp:')) throw new HubError('HUB_ERR_CONFIG', 'zigbee.port: expected tcp://host:port')
  return openSerial(port)
}
