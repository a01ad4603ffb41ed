import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto'
import type { RandomBytes } from '../core/ids.js'
import { issueCertificate } from './x509.js'

/**
 * The hub's TLS identity: a local CA (the owner may trust it once on their phone) and a server
 * certificate for every name the hub answers to. ECDSA P-256 keys from Node's CSPRNG.
 */
export interface CaMaterial {
  caCert: string
  caKeyPem: string
}

export interface ServerMaterial {
  cert: string
  keyPem: string
  names: string[]
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }) as string

/** Serial numbers: 16 random bytes, top bit cleared (RFC 5280 4.1.2.2: positive, ≤ 20 bytes). */
function serial(random: RandomBytes): Uint8Array {
  const s = Buffer.from(random(16))
  s[0] = s[0]! & 0x7f || 0x01
  return s
}

/** The DNS subtrees the CA may certify (RFC 5280 4.2.1.10): local names only. */
export function caPermittedNames(hostname: string): string[] {
  return [...new Set(['localhost', 'local', 'home.arpa', hostname.toLowerCase()])]
}

export function newCa(random: RandomBytes, hubId: string, hostname: string): CaMaterial {
  const { privateKey, publicKey } = newKey()
  const cn = `Hearth local CA ${hubId.slice(0, 8)}`
  const caCert = issueCertificate({
    subjectKey: privateKey,
    issuerKey: privateKey,
    issuerPublicKey: publicKey,
    serial: serial(random),
    subjectCN: cn,
    issuerCN: cn,
    ca: true,
    names: caPermittedNames(hostname),
  })
  return { caCert, caKeyPem: pem(privateKey) }
}

/**
 * The names a server certificate must carry: localhost and loopback, the hostname and its
 * `.local` (mDNS) form, and every LAN address the machine has (private ranges only: the CA's
 * name constraints allow nothing else).
 */
export function serverNames(hostname: string, addresses: string[]): string[] {
  const names = ['localhost', '127.0.0.1', '::1', hostname.toLowerCase(), `${hostname.toLowerCase()}.local`]
  for (const a of addresses) if (isPrivateAddress(a)) names.push(a.split('%')[0]!)
  return [...new Set(names)]
}

export function isPrivateAddress(a: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.)/.test(a) || /^(fc|fd|fe8|fe9|fea|feb)/i.test(a) || a === '::1'
}

export function issueServer(random: RandomBytes, ca: CaMaterial, hubId: string, names: string[]): ServerMaterial {
  const caKey = createPrivateKey(ca.caKeyPem)
  const caPub = new X509Certificate(ca.caCert).publicKey
  const { privateKey } = newKey()
  const cert = issueCertificate({
    subjectKey: privateKey,
    issuerKey: caKey,
    issuerPublicKey: caPub,
    serial: serial(random),
    subjectCN: names.find((n) => n.endsWith('.local')) ?? `hearth-${hubId.slice(0, 8)}`,
    issuerCN: new X509Certificate(ca.caCert).subject.split('CN=')[1]!.split('\n')[0]!,
    ca: false,
    names,
  })
  return { cert, keyPem: pem(privateKey), names }
}

/** SHA-256 fingerprint of a certificate, as the UI and the CLI show it for pinning by eye. */
export function fingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256
}
