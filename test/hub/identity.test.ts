import t from 'tap'
import { createPublicKey, X509Certificate } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { silentLogger } from '../../src/core/log.js'
import { loadIdentity, type HubIdentity } from '../../src/identity/identity.js'
import { Store } from '../../src/store/store.js'
import { randomBytes } from '../../src/store/sealer.js'
import { runCli, tmpDir } from '../helpers/hub-process.js'

/** Provisions a data dir with the real CLI, then opens it to learn its secrets. */
async function provision(): Promise<{ dir: string; id: HubIdentity; dataKey: Buffer }> {
  const dir = path.join(tmpDir(), 'data')
  const r = await runCli(['setup-code', '--json', '--data-dir', dir])
  if (r.code !== 0) throw new Error(r.stderr)
  const store = await Store.open(dir, silentLogger)
  const id = await loadIdentity(store, { random: randomBytes, hostname: 'hearth', addresses: [], log: silentLogger, wallMs: 0 })
  store.close()
  return { dir, id, dataKey: readFileSync(path.join(dir, 'data.key')) }
}

function spki(pem: string): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64')
}

/** Every encoding a secret could leak in. */
function encodings(secret: Buffer | string): Buffer[] {
  const b = typeof secret === 'string' ? Buffer.from(secret) : secret
  const forms = [b, Buffer.from(b.toString('hex')), Buffer.from(b.toString('hex').toUpperCase()), Buffer.from(b.toString('base64'))]
  return forms.filter((f) => f.length >= 8)
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n)
    return statSync(p).isDirectory() ? allFiles(p) : [p]
  })
}

t.test('EN 303 645 5.1-1: two fresh data dirs share no identifier or secret', async (t) => {
  const [a, b] = await Promise.all([provision(), provision()])
  const pairs: Array<[string, unknown, unknown]> = [
    ['hub id', a.id.hubId, b.id.hubId],
    ['setup code', a.id.setupCode, b.id.setupCode],
    ['server key (SPKI)', spki(a.id.tls.cert), spki(b.id.tls.cert)],
    ['CA key (SPKI)', spki(a.id.tls.ca), spki(b.id.tls.ca)],
    ['data key', a.dataKey.toString('hex'), b.dataKey.toString('hex')],
    ['token key', a.id.tokenKey.toString('hex'), b.id.tokenKey.toString('hex')],
    ['session key', a.id.sessionKey.toString('hex'), b.id.sessionKey.toString('hex')],
    ['Zigbee network key', a.id.zigbee.networkKey.toString('hex'), b.id.zigbee.networkKey.toString('hex')],
    ['Zigbee PAN id', a.id.zigbee.panId, b.id.zigbee.panId],
    ['Zigbee extended PAN id', a.id.zigbee.extendedPanId, b.id.zigbee.extendedPanId],
  ]
  for (const [name, x, y] of pairs) t.not(x, y, `${name} differs`)
  t.not(a.id.zigbee.networkKey.toString('hex'), '01030507090b0d0f00020406080a0c0d', 'not the well-known Z-Stack default key')
})

t.test('EN 303 645 5.4-1: a byte scan of the data dir finds no secret in plaintext', async (t) => {
  const { dir, id } = await provision()
  const serverKeyDer = Buffer.from(id.tls.key.replace(/-----[^-]+-----|\s/g, ''), 'base64')
  const secrets: Array<[string, Buffer | string]> = [
    ['setup code', id.setupCode],
    ['setup code without dashes', id.setupCode.replace(/-/g, '')],
    ['server private key (PEM body)', id.tls.key.split('\n')[1]!],
    ['server private key (DER)', serverKeyDer],
    ['token key', id.tokenKey],
    ['session key', id.sessionKey],
    ['Zigbee network key', id.zigbee.networkKey],
  ]
  const files = allFiles(dir).filter((f) => path.basename(f) !== 'data.key')
  t.ok(files.length >= 1)
  for (const f of files) {
    const bytes = readFileSync(f)
    for (const [name, secret] of secrets)
      for (const form of encodings(secret)) t.equal(bytes.indexOf(form), -1, `${name} not in ${path.basename(f)}`)
  }
  t.equal(statSync(dir).mode & 0o777, 0o700, 'data dir 0700')
  t.equal(statSync(path.join(dir, 'data.key')).mode & 0o777, 0o600, 'data key 0600')
})

t.test('the certificate: P-256, names for localhost/loopback/hostname, valid whatever the clock says', async (t) => {
  const { id } = await provision()
  const cert = new X509Certificate(id.tls.cert)
  const ca = new X509Certificate(id.tls.ca)
  t.ok(cert.verify(ca.publicKey), 'signed by the hub CA')
  t.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1')
  for (const n of ['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:hearth', 'DNS:hearth.local']) t.match(cert.subjectAltName, n)
  t.ok(new Date(cert.validFrom) <= new Date('1970-01-02'), 'valid on a board that boots in 1970')
  t.ok(new Date(cert.validTo) >= new Date('9999-01-01'), 'never expires under a far-future clock')
  t.ok(ca.ca, 'the CA is a CA')
})
