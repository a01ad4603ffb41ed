import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import mqtt from 'mqtt'

/**
 * Probes of a booted image from outside, through ports qemu's user-mode network forwards from
 * 127.0.0.1: what an installer's laptop on the LAN would see.
 */

export interface PeerCert {
  cert: X509Certificate
  /** `checkServerIdentity` for the servername asked for: undefined when the name matches. */
  nameError: Error | undefined
}

/** TLS handshake verified against `ca`, for `servername`; resolves with the server's certificate. */
export function peerCert(port: number, ca: string, servername: string, ms = 20_000): Promise<PeerCert> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, servername, checkServerIdentity: () => undefined }, () => {
      const raw = sock.getPeerCertificate()
      const cert = new X509Certificate(raw.raw)
      const nameError = tls.checkServerIdentity(servername, raw)
      sock.end()
      resolve({ cert, nameError })
    })
    sock.setTimeout(ms, () => sock.destroy(new Error(`TLS handshake: no answer in ${ms} ms`)))
    sock.on('error', reject)
  })
}

/** An MQTT CONNECT; resolves with the CONNACK return code (0 = accepted) or rejects. */
export function mqttConnack(port: number, ca: string, servername: string, opts: mqtt.IClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect({ protocol: 'mqtts', host: '127.0.0.1', port, ca, servername, reconnectPeriod: 0, connectTimeout: 60_000, protocolVersion: 4, ...opts })
    const end = (f: () => void) => {
      c.end(true)
      f()
    }
    c.once('connect', (ack) => end(() => resolve(ack.returnCode ?? 0)))
    c.once('error', (err: Error & { code?: number }) => end(() => (typeof err.code === 'number' ? resolve(err.code) : reject(err))))
  })
}

/**
 * How a forwarded TCP port answers. qemu's slirp accepts the host connection at once and then
 * sends the SYN to the guest: a guest that answers RST (nothing listening, no firewall) makes slirp
 * close the host connection within a moment ('closed'); a guest that drops the SYN leaves it
 * silent ('filtered'); a listener that speaks or waits is 'open' (only told apart here by data).
 */
export function tcpFate(port: number, waitMs: number): Promise<'closed' | 'filtered' | 'data'> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port })
    const timer = setTimeout(() => done('filtered'), waitMs)
    const done = (v: 'closed' | 'filtered' | 'data') => {
      clearTimeout(timer)
      sock.destroy()
      resolve(v)
    }
    sock.on('data', () => done('data'))
    sock.on('end', () => done('closed'))
    sock.on('close', () => done('closed'))
    sock.on('error', () => done('closed'))
  })
}

export interface Health {
  status: number
  body: string
  cert: X509Certificate
}

/**
 * One GET /api/v1/health over HTTPS. With `ca`, the server must prove itself against it (for
 * `servername`); without, the certificate is taken as offered and returned, to be checked later.
 */
export function health(port: number, ca: string | undefined, servername: string, ms = 15_000): Promise<Health> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: '/api/v1/health', servername, agent: false, ...(ca ? { ca } : { rejectUnauthorized: false }) },
      (res) => {
        const cert = new X509Certificate((res.socket as tls.TLSSocket).getPeerCertificate().raw)
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert }))
      },
    )
    req.on('error', reject)
    req.setTimeout(ms, () => req.destroy(new Error(`no answer in ${ms} ms`)))
  })
}

/** Polls health every `everyMs` until it answers 200 or `deadline` (epoch ms) passes. */
export async function untilHealthy(port: number, ca: string | undefined, servername: string, deadline: number, isDead: () => boolean, everyMs = 5000): Promise<Health> {
  let last = 'no attempt'
  while (Date.now() < deadline && !isDead()) {
    const r = await health(port, ca, servername).catch((err: Error) => err)
    if (!(r instanceof Error) && r.status === 200) return r
    last = r instanceof Error ? r.message : `HTTP ${r.status}`
    await sleep(everyMs)
  }
  throw new Error(`the hub did not answer GET /api/v1/health (${isDead() ? 'qemu exited' : 'timed out'}; last: ${last})`)
}

/** The DNS names in a certificate's subjectAltName. */
export const dnsNames = (cert: X509Certificate) =>
  (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4))

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
