import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import * as der from './der.js'

/**
 * X.509 v3 certificates for the hub's local CA and its server certificate, ECDSA P-256 with
 * SHA-256 (RFC 5280, RFC 5758). Pure: keys come in, DER/PEM comes out.
 */
const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  nameConstraints: '2.5.29.30',
}

/**
 * Validity that no wrong clock can break for the owner (a Pi without RTC boots in 1970 or
 * wherever its fake-hwclock left it): from 1970 to 9999-12-31, RFC 5280 4.1.2.5's
 * "no well-defined expiration date". The CA key never leaves the hub and is name-constrained.
 */
export const NOT_BEFORE = new Date(Date.UTC(1970, 0, 1, 0, 0, 0))
export const NOT_AFTER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59))

const name = (cn: string) =>
  der.sequence(
    der.set(der.sequence(der.oid(OID.organization), der.utf8String('Hearth'))),
    der.set(der.sequence(der.oid(OID.commonName), der.utf8String(cn))),
  )

const extension = (id: string, critical: boolean, value: Uint8Array) =>
  der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value))

function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === "public" ? key : createPublicKey(key)
  return pub.export({ type: 'spki', format: 'der' }) as Buffer
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the last 65 bytes for P-256). */
function keyId(key: KeyObject): Buffer {
  const spki = spkiDer(key)
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest()
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number))
  // Expand an IPv6 address (with :: and an optional zone) to 16 bytes.
  const [addr] = ip.split('%')
  const [head, tail] = addr!.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return Buffer.from(groups.map((g) => g.padStart(4, '0')).join(''), 'hex')
}

function generalNames(names: string[]): Buffer[] {
  return names.map((n) => (isIP(n.split('%')[0]!) ? der.implicit(7, ipBytes(n)) : der.implicit(2, Buffer.from(n, 'ascii'))))
}

/** Private, loopback and link-local ranges: the only addresses the hub's CA may certify. */
const PERMITTED_IP_RANGES: Array<[string, string]> = [
  ['10.0.0.0', '255.0.0.0'],
  ['172.16.0.0', '255.240.0.0'],
  ['192.168.0.0', '255.255.0.0'],
  ['127.0.0.0', '255.0.0.0'],
  ['169.254.0.0', '255.255.0.0'],
  ['::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['fc00::', 'fe00::'],
  ['fe80::', 'ffc0::'],
]

export interface CertificateRequest {
  subjectKey: KeyObject
  issuerKey: KeyObject
  /** The issuer's own public key, for the authority key identifier. */
  issuerPublicKey: KeyObject
  serial: Uint8Array
  subjectCN: string
  issuerCN: string
  ca: boolean
  /** DNS names and IP addresses (server certificate) or permitted DNS subtrees (CA). */
  names: string[]
}

/** Builds and signs one certificate; returns it as PEM. */
export function issueCertificate(req: CertificateRequest): string {
  const extensions = req.ca
    ? [
        extension(OID.basicConstraints, true, der.sequence(der.boolean(true), der.integer(0))),
        // keyCertSign (bit 5) and cRLSign (bit 6): 0000 0110, one unused trailing bit.
        extension(OID.keyUsage, true, der.bitString(Buffer.from([0x06]), 1)),
        extension(
          OID.nameConstraints,
          true,
          der.sequence(
            der.explicit(
              0,
              Buffer.concat([
                ...req.names.map((n) => der.sequence(der.implicit(2, Buffer.from(n, 'ascii')))),
                ...PERMITTED_IP_RANGES.map(([a, m]) => der.sequence(der.implicit(7, Buffer.concat([ipBytes(a), ipBytes(m)])))),
              ]),
            ),
          ),
        ),
        extension(OID.subjectKeyIdentifier, false, der.octetString(keyId(req.subjectKey))),
      ]
    : [
        extension(OID.basicConstraints, true, der.sequence()),
        // digitalSignature (bit 0): 1000 0000, seven unused trailing bits.
        extension(OID.keyUsage, true, der.bitString(Buffer.from([0x80]), 7)),
        extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth))),
        extension(OID.subjectAltName, false, der.sequence(...generalNames(req.names))),
        extension(OID.subjectKeyIdentifier, false, der.octetString(keyId(req.subjectKey))),
        extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, keyId(req.issuerPublicKey)))),
      ]
  const sigAlg = der.sequence(der.oid(OID.ecdsaWithSHA256))
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(req.serial),
    sigAlg,
    name(req.issuerCN),
    der.sequence(der.time(NOT_BEFORE), der.time(NOT_AFTER)),
    name(req.subjectCN),
    spkiDer(req.subjectKey),
    der.explicit(3, der.sequence(...extensions)),
  )
  const signature = sign('sha256', tbs, { key: req.issuerKey, dsaEncoding: 'der' })
  const cert = der.sequence(tbs, sigAlg, der.bitString(signature))
  const b64 = cert.toString('base64').match(/.{1,64}/g)!.join('\n')
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`
}
