import t from 'tap'
import { execFileSync } from 'node:child_process'
import { promises as fsp, readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fetchFromSource } from '../../src/update/source.js'
import { verifyBundle } from '../../src/update/bundle.js'
import { releaseKey, testBundle, updateTmp } from '../helpers/update-slots.js'

/**
 * The HTTPS update source over a real TLS server: the certificate is verified (an untrusted one
 * is refused, nothing is written), the download is bounded, and an unchanged bundle is not
 * downloaded twice (ETag).
 */
t.test('HTTPS source: certificate verification, size bound, ETag', async (t) => {
  const dir = updateTmp('w-')
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' })
  const cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8')
  const key = releaseKey()
  const bundle = await testBundle(dir, key, '1.1.0')
  const bytes = readFileSync(bundle)
  let gets = 0
  const server = createServer({ cert, key: readFileSync(path.join(dir, 'key.pem')) }, (req, res) => {
    gets++
    if (req.url === '/redirect-plain') return res.writeHead(302, { location: 'http://127.0.0.1/x' }).end()
    if (req.headers['if-none-match'] === '"v110"') return res.writeHead(304).end()
    res.writeHead(200, { etag: '"v110"', 'content-length': bytes.length }).end(bytes)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => server.close())
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hearth.hbundle`
  const downloadDir = path.join(dir, 'dl')
  const deps = { downloadDir, trusted: key.trusted, maxBytes: 64 * 1024 * 1024 }

  await t.rejects(fetchFromSource(url, deps), { code: 'HUB_ERR_UPDATE_UNAVAILABLE', message: /SELF_SIGNED|certificate/i }, 'untrusted certificate refused')
  t.same(await fsp.readdir(downloadDir), [], 'nothing written')

  const got = await fetchFromSource(url, { ...deps, ca: cert })
  t.match(got, { kind: 'bundle', etag: '"v110"' })
  if (got.kind === 'bundle') t.equal((await verifyBundle(got.file, { trusted: key.trusted, installed: '1.0.0' })).manifest.version, '1.1.0', 'the download verifies')

  t.match(await fetchFromSource(url, { ...deps, ca: cert }, '"v110"'), { kind: 'none' }, 'unchanged: not downloaded again')
  await t.rejects(fetchFromSource(url, { ...deps, ca: cert, maxBytes: 1000 }), { message: /larger than 1000 bytes/ }, 'size bound')
  await t.rejects(fetchFromSource(url.replace('/hearth.hbundle', '/redirect-plain'), { ...deps, ca: cert }), { message: /non-HTTPS/ }, 'no redirect to plain HTTP')
  await t.rejects(fetchFromSource('http://127.0.0.1/x', deps), { message: /only HTTPS/ }, 'plain HTTP source refused')
  t.ok(gets >= 4)
})
