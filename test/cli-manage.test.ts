import t from 'tap'
import { runCli, startHubProcess } from './helpers/hub-process.js'

// Spawns many real processes: on a loaded 2-core CI machine this file needs more than tap's default.
t.setTimeout(300_000)

t.test('hearth device/account commands over the admin socket', async (t) => {
  const hub = await startHubProcess()
  t.teardown(() => hub.stop('SIGKILL'))
  const d = ['--data-dir', hub.dataDir]
  const add = await runCli(['device', 'add', 'Kitchen sensor', '--kind', 'temperature', '--json', ...d])
  t.equal(add.code, 0, add.stderr)
  const dev = JSON.parse(add.stdout) as { id: string; token: string }
  t.match(dev.id, /^d-[a-z0-9]{10}$/)
  t.match(dev.token, /^hth_[A-Za-z0-9_-]{43}$/, '256-bit token')

  const list = await runCli(['device', 'list', '--json', ...d])
  const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>
  t.equal(rows.length, 1)
  t.match(rows[0], { username: dev.id, name: 'Kitchen sensor', kind: 'temperature' })
  t.notMatch(list.stdout, dev.token, 'the token is never shown again')
  t.notMatch(list.stdout, /verifier/, 'nor its verifier')

  const human = await runCli(['device', 'add', 'Door', '--kind', 'contact', ...d])
  t.match(human.stdout, /shown once/)
  const badKind = await runCli(['device', 'add', 'X', '--kind', 'toaster', ...d])
  t.equal(badKind.code, 65)
  t.match(badKind.stderr, /unknown device kind "toaster"/)
  const noKind = await runCli(['device', 'add', 'X', ...d])
  t.equal(noKind.code, 64)

  const acct = JSON.parse((await runCli(['account', 'add', 'nodered', '--role', 'custom', '--allow-sub', 'hearth/+/state', '--deny-sub', 'hearth/d-x/state', '--json', ...d])).stdout)
  t.equal(acct.username, 'nodered')
  const accounts = JSON.parse((await runCli(['account', 'list', '--json', ...d])).stdout) as Array<{ username: string; grants?: { sub: { allow: string[] } } }>
  t.same(accounts.map((a) => a.username), ['nodered'])
  t.same(accounts[0]!.grants!.sub.allow, ['hearth/+/state'])
  const badGrant = await runCli(['account', 'add', 'x1', '--role', 'custom', '--allow-sub', 'a/#/b', ...d])
  t.equal(badGrant.code, 65, 'a malformed filter is refused')

  const rotated = JSON.parse((await runCli(['device', 'rotate', dev.id, '--json', ...d])).stdout)
  t.not(rotated.token, dev.token)
  const removed = await runCli(['device', 'remove', dev.id, '--json', ...d])
  t.same(JSON.parse(removed.stdout), { removed: dev.id })
  const gone = await runCli(['device', 'remove', dev.id, ...d])
  t.equal(gone.code, 66)
  t.equal(gone.stderr.trim(), `hearth: no device ${dev.id}`)
  const wrongNoun = await runCli(['account', 'remove', JSON.parse(human.stdout.match(/device (d-\S+) added/)![0].replace(/device (d-\S+) added/, '"$1"')), ...d])
  t.equal(wrongNoun.code, 66, 'account remove does not remove devices')
})

t.test('admin socket: malformed requests are refused and the hub keeps running', async (t) => {
  const { createConnection } = await import('node:net')
  const hub = await startHubProcess()
  t.teardown(() => hub.stop('SIGKILL'))
  const ask = (line: string) =>
    new Promise<string>((resolve) => {
      const s = createConnection(`${hub.dataDir}/hearth.sock`, () => s.write(line))
      let buf = ''
      s.setEncoding('utf8').on('data', (d: string) => {
        buf += d
        if (buf.includes('\n')) (s.end(), resolve(buf.trim()))
      })
      s.on('close', () => resolve(buf.trim()))
    })
  const cases = [
    ['not JSON', 'hello\n', /request is not JSON/],
    ['missing fields', '{"id":1}\n', /invalid request/],
    ['extra field', '{"id":1,"method":"status","params":{},"x":1}\n', /invalid request/],
    ['unknown method', '{"id":1,"method":"shutdown","params":{}}\n', /unknown method/],
    ['prototype key', '{"id":1,"method":"constructor","params":{}}\n', /unknown method/],
    ['bad params', '{"id":1,"method":"device.add","params":{"name":"x","kind":"temperature","admin":true}}\n', /invalid/],
    ['too long', '{"id":1,"method":"status","params":{"a":"' + 'x'.repeat(70000) + '"}}\n', /too long/],
  ] as const
  for (const [name, line, re] of cases) t.match(JSON.parse(await ask(line)).error.message, re, name)
  const ok = JSON.parse(await ask('{"id":7,"method":"status","params":{}}\n'))
  t.equal(ok.id, 7)
  t.equal(ok.ok, true, 'still serving')
})

t.test('hearth owner reset: the setup code on stdin recovers the owner', async (t) => {
  const { spawn } = await import('node:child_process')
  const { MAIN } = await import('./helpers/hub-process.js')
  const hub = await startHubProcess()
  t.teardown(() => hub.stop('SIGKILL'))
  const reset = (input: string) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, [MAIN, 'owner', 'reset', '--data-dir', hub.dataDir], { stdio: ['pipe', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      p.stdout.on('data', (d) => (out += d))
      p.stderr.on('data', (d) => (err += d))
      p.on('exit', (code) => resolve({ code, out, err }))
      p.stdin.end(input)
    })
  const before = await reset(`${hub.ready.setupCode}\nfresh start 2026 ok\n`)
  t.equal(before.code, 65, 'not claimed yet: nothing to reset')
  t.match(before.err, /not claimed yet/)
  const { WebClient, GOOD_PASSWORD } = await import('./helpers/web-client.js')
  const { hubCa } = await import('./helpers/tls-client.js')
  const web = new WebClient(hub.ready.listeners.https.port, hubCa(hub.dataDir))
  t.equal((await web.post('/api/v1/claim', { setupCode: hub.ready.setupCode, name: 'Ada', password: GOOD_PASSWORD })).status, 201)
  const wrong = await reset('AAAA-BBBB-CCCC\nfresh start 2026 ok\n')
  t.equal(wrong.code, 77)
  const ok = await reset(`${hub.ready.setupCode}\nfresh start 2026 ok\n`)
  t.equal(ok.code, 0, ok.err)
  t.equal((await web.get('/api/v1/session')).status, 401, 'web sessions ended')
  t.equal((await new WebClient(hub.ready.listeners.https.port, hubCa(hub.dataDir)).post('/api/v1/session', { password: 'fresh start 2026 ok' })).status, 200)
})
