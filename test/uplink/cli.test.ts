import t from 'tap'
import { runCli } from '../helpers/hub-process.js'
import { startTestHub } from '../helpers/test-hub.js'

t.test('hearth uplink status|enable|disable over the admin socket', async (t) => {
  const h = await startTestHub(t, { '--uplink-url': 'mqtts://127.0.0.1:1' })
  const status = await runCli(['uplink', 'status', '--data-dir', h.dataDir])
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /Uplink: off → mqtts:\/\/127\.0\.0\.1:1/)
  t.match(status.stdout, /consent: not given/)
  const json = await runCli(['uplink', 'status', '--json', '--data-dir', h.dataDir])
  t.match(JSON.parse(json.stdout), { enabled: false, queue: { dropped: 0 } })
  const noUser = await runCli(['uplink', 'enable', '--data-dir', h.dataDir])
  t.equal(noUser.code, 64, 'enable without --username is a usage error')
  const noPassword = await runCli(['uplink', 'enable', '--username', 'hub', '--data-dir', h.dataDir])
  t.equal(noPassword.code, 64, 'the password comes from stdin, never argv')
  t.match(noPassword.stderr, /stdin/)
  const off = await runCli(['uplink', 'disable', '--data-dir', h.dataDir])
  t.equal(off.code, 0)
  const bad = await runCli(['uplink', 'launch', '--data-dir', h.dataDir])
  t.equal(bad.code, 64)
})
