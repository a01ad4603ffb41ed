import t from 'tap'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, createServer } from 'node:tls'
import { gateHandshakes } from '../../src/broker/handshake-gate.js'
import { newCa, issueServer } from '../../src/identity/tls.js'
import { randomBytes } from '../../src/store/sealer.js'

t.test('handshake gate: beyond the cap a TCP connection is closed before any crypto; a finished handshake frees its slot', async (t) => {
  const ca = newCa(randomBytes, 'gate-test', 'gate')
  const srv = issueServer(randomBytes, ca, 'gate-test', ['localhost', '127.0.0.1'])
  const server = createServer({ key: srv.keyPem, cert: srv.cert }, (s) => s.end())
  const gate = gateHandshakes(server, 2)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const raw: Socket[] = []
  const open = () =>
    new Promise<Socket>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => resolve(s))
      s.on('error', () => {})
      raw.push(s)
    })
  t.teardown(() => raw.forEach((s) => s.destroy()))
  await open()
  await open()
  await new Promise((r) => setTimeout(r, 100))
  t.equal(gate.pending(), 2, 'two handshakes pending (clients that never speak)')
  const third = await open()
  await new Promise<void>((r) => (third.destroyed ? r() : third.once('close', () => r())))
  t.equal(gate.shed(), 1, 'the third is shed at once')
  raw[0]!.destroy()
  await new Promise((r) => setTimeout(r, 100))
  t.equal(gate.pending(), 1, 'a closed socket frees its slot')
  const ok = await new Promise<boolean>((resolve) => {
    const s = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ca: ca.caCert }, () => (s.destroy(), resolve(true)))
    s.on('error', () => resolve(false))
  })
  t.ok(ok, 'a real handshake gets through below the cap')
  await new Promise((r) => setTimeout(r, 100))
  t.equal(gate.pending(), 1, 'and its slot is released once it completed')
})
