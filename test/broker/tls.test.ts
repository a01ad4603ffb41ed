import t from 'tap'
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import tls from 'node:tls'
import { issueServer, newCa } from '../../src/identity/tls.js'
import { randomBytes } from '../../src/store/sealer.js'
import { startHubProcess, type HubProcess } from '../helpers/hub-process.js'
import { hubCa } from '../helpers/tls-client.js'

/**
 * EN 303 645 5.5-1 (best-practice cryptography for communications): the MQTTS and HTTPS
 * listeners accept TLS 1.2 and 1.3 only, with forward-secret AEAD suites only, and present a
 * certificate that chains to the hub's own CA and names `localhost`. Checked from outside
 * with Debian's sslscan and with Node's own TLS client. Each negative check is first shown to
 * detect a deliberately weak server, so a tool that silently cannot offer TLS 1.0 or CBC
 * suites makes this file fail rather than pass.
 */

const SSLSCAN = '/usr/bin/sslscan'
const OLD_PROTOCOLS = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1']
/** AEAD bulk ciphers (RFC 5288 GCM, RFC 7905 ChaCha20-Poly1305); OpenSSL and IANA spellings. */
const AEAD = /(GCM|CHACHA20[-_]POLY1305)/
/** TLS 1.2 suites must also be ephemeral ECDH with an ECDSA certificate (forward secrecy). */
const TLS12_SUITE = /^ECDHE-ECDSA-/
const WEAK = /(CBC|RC4|NULL|EXP|DES|MD5|anon|^AECDH|^ADH|-SHA$)/

interface Scan {
  protocols: Record<string, 'enabled' | 'disabled'>
  ciphers: Array<{ protocol: string; bits: number; name: string }>
  raw: string
}

/** Runs sslscan (asynchronously: the weak control server lives in this process). */
function sslscan(port: number): Promise<Scan> {
  return new Promise((resolve, reject) => {
    execFile(SSLSCAN, ['--no-colour', `127.0.0.1:${port}`], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`sslscan failed (${err.message}): ${stderr}`))
      const protocols: Scan['protocols'] = {}
      for (const m of stdout.matchAll(/^(SSLv2|SSLv3|TLSv1\.[0-3])\s+(enabled|disabled)\s*$/gm)) protocols[m[1]!] = m[2] as 'enabled' | 'disabled'
      const ciphers = [...stdout.matchAll(/^(?:Preferred|Accepted)\s+(SSLv[23]|TLSv1\.[0-3])\s+(\d+) bits\s+(\S+)/gm)].map((m) => ({
        protocol: m[1]!,
        bits: Number(m[2]),
        name: m[3]!,
      }))
      resolve({ protocols, ciphers, raw: stdout })
    })
  })
}

/** A TLS handshake; resolves with what was negotiated or the error code. */
type Handshake =
  | { ok: true; protocol: string; cipher: string; authorized: boolean; peer: X509Certificate | undefined }
  | { ok: false; code: string }

function handshake(port: number, opts: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
      resolve({ ok: true, protocol: s.getProtocol() ?? '', cipher: s.getCipher().name, authorized: s.authorized, peer: s.getPeerX509Certificate() })
      s.end()
    })
    s.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, code: err.code ?? err.message }))
    s.setTimeout(5000, () => s.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
  })
}

/** A client that offers TLS 1.0 and 1.1 only (security level 0, or OpenSSL 3 would not offer them). */
const OLD_CLIENT: tls.ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }
/** A TLS 1.2 client whose only suite is CBC (with HMAC-SHA256). */
const CBC_CLIENT: tls.ConnectionOptions = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' }

/** A deliberately weak TLS server with its own CA: the control every negative check must catch. */
async function weakServer(t: { teardown(fn: () => unknown): void }) {
  const hubId = Buffer.from(randomBytes(16)).toString('hex')
  const ca = newCa(randomBytes, hubId, 'control')
  const cert = issueServer(randomBytes, ca, hubId, ['localhost', '127.0.0.1'])
  const server = tls.createServer({ key: cert.keyPem, cert: cert.cert, minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' }, (s) => s.end())
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return { port: (server.address() as AddressInfo).port, ca: ca.caCert }
}

t.test('sslscan is installed', async (t) => {
  // Not skipped when missing: EN 303 645 5.5-1 would go unchecked.
  t.ok(existsSync(SSLSCAN), `${SSLSCAN} exists (apt-get install sslscan)`)
})

t.test('control: sslscan and the Node clients do detect a weak server', async (t) => {
  const weak = await weakServer(t)
  const scan = await sslscan(weak.port)
  t.equal(scan.protocols['TLSv1.0'], 'enabled', 'sslscan sees TLS 1.0')
  t.equal(scan.protocols['TLSv1.1'], 'enabled', 'sslscan sees TLS 1.1')
  t.ok(scan.ciphers.some((c) => c.name === 'ECDHE-ECDSA-AES128-SHA256'), 'sslscan lists a CBC suite')
  t.ok(scan.ciphers.some((c) => !AEAD.test(c.name) && WEAK.test(c.name)), 'the weak pattern matches something')
  const old = await handshake(weak.port, { ...OLD_CLIENT, ca: weak.ca, servername: 'localhost' })
  t.match(old, { ok: true, protocol: /^TLSv1(\.1)?$/ }, 'the old-protocol client really offers TLS 1.0/1.1')
  const cbc = await handshake(weak.port, { ...CBC_CLIENT, ca: weak.ca, servername: 'localhost' })
  t.match(cbc, { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-SHA256' }, 'the CBC client really offers only CBC')
})

t.test('the MQTTS and HTTPS listeners', async (t) => {
  const hub: HubProcess = await startHubProcess()
  t.teardown(() => hub.stop('SIGKILL'))
  const ca = hubCa(hub.dataDir)
  const weak = await weakServer(t)

  for (const [name, port] of [
    ['MQTTS', hub.ready.listeners.mqtts.port],
    ['HTTPS', hub.ready.listeners.https.port],
  ] as const) {
    t.test(`${name}: sslscan finds TLS 1.2/1.3 only, AEAD suites only`, async (t) => {
      const scan = await sslscan(port)
      t.comment(`${name} sslscan: ${JSON.stringify(scan.protocols)}; ${scan.ciphers.map((c) => `${c.protocol} ${c.name}`).join(', ')}`)
      for (const p of OLD_PROTOCOLS) t.equal(scan.protocols[p], 'disabled', `${p} disabled`)
      t.equal(scan.protocols['TLSv1.2'], 'enabled', 'TLSv1.2 enabled')
      t.equal(scan.protocols['TLSv1.3'], 'enabled', 'TLSv1.3 enabled')
      t.ok(scan.ciphers.length >= 2, `sslscan listed the accepted suites (${scan.ciphers.length})`)
      for (const c of scan.ciphers) {
        t.match(c.protocol, /^TLSv1\.[23]$/, `${c.name}: on TLS 1.2/1.3`)
        t.match(c.name, AEAD, `${c.protocol} ${c.name}: AEAD (GCM or ChaCha20-Poly1305)`)
        t.notMatch(c.name, WEAK, `${c.protocol} ${c.name}: no CBC, RC4, NULL, export, DES, anonymous`)
        if (c.protocol === 'TLSv1.2') t.match(c.name, TLS12_SUITE, `${c.name}: ECDHE (forward secrecy)`)
        t.ok(c.bits >= 128, `${c.name}: ${c.bits} bits ≥ 128`)
      }
    })

    t.test(`${name}: Node clients offering TLS ≤ 1.1 or only CBC are refused`, async (t) => {
      const old = await handshake(port, { ...OLD_CLIENT, ca, servername: 'localhost' })
      t.equal(old.ok, false, 'TLS 1.0/1.1: refused')
      t.match(String(old.code), /^ERR_SSL_(TLSV1|SSL\/TLS)_ALERT_PROTOCOL_VERSION$/, 'with a protocol_version alert')
      const cbc = await handshake(port, { ...CBC_CLIENT, ca, servername: 'localhost' })
      // The alert's name differs by OpenSSL version (Node 20: SSLV3_…, Node 24: SSL/TLS_…).
      t.equal(cbc.ok, false, 'TLS 1.2 with ECDHE-ECDSA-AES128-SHA256 only: refused')
      t.match(String(cbc.code), /^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_HANDSHAKE_FAILURE$/, 'with a handshake_failure alert')
      const gcm = await handshake(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ca, servername: 'localhost' })
      t.match(gcm, { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, 'the same client with a GCM suite gets in')
      const v13 = await handshake(port, { ca, servername: 'localhost' })
      t.match(v13, { ok: true, protocol: 'TLSv1.3' }, 'a default client negotiates TLS 1.3')
    })

    t.test(`${name}: the certificate chains to the hub's CA and covers localhost`, async (t) => {
      const r = await handshake(port, { ca, servername: 'localhost' })
      if (!r.ok) return t.fail(`handshake failed: ${r.code}`)
      t.ok(r.authorized, 'verified against hubCa(dataDir)')
      const peer = r.peer!
      const caCert = new X509Certificate(ca)
      t.ok(peer.verify(caCert.publicKey), "signed by the hub's CA key")
      t.equal(peer.issuer, caCert.subject, "issuer is the hub's CA")
      t.notOk(peer.ca, 'the leaf is not a CA')
      t.equal(peer.checkHost('localhost'), 'localhost', 'names localhost')
      t.equal(peer.checkIP('127.0.0.1'), '127.0.0.1', 'names 127.0.0.1')
      t.equal(peer.fingerprint256, hub.ready.tlsFingerprint, 'the fingerprint the hub printed at start')

      const otherCa = await handshake(port, { ca: weak.ca, servername: 'localhost' })
      t.same(otherCa, { ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'another CA does not vouch for it')
      const otherName = await handshake(port, { ca, servername: 'example.com' })
      t.same(otherName, { ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'nor does it pass for another name')
    })
  }
})
