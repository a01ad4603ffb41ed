import t from 'tap'
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { adminCall } from '../../src/admin/client.js'
import { startHubProcess, tmpDir } from '../helpers/hub-process.js'
import { CANARY, scanForCanaries, seedForeignFiles } from '../helpers/privacy-seed.js'
import { startTestHub } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

// Many real processes, really SIGKILLed: on a loaded 2-core machine this takes minutes.
t.setTimeout(1_800_000)
const RUNS = Number(process.env.HEARTH_WIPE_KILL_RUNS ?? 100)
const STEP_MS = '4'
// Runs side by side: each is a separate data dir, process and set of ports.
const PARALLEL = Number(process.env.HEARTH_WIPE_KILL_PARALLEL ?? 3)

/** A claimed hub with canary devices, state, history, an uplink-like secret and a Wi-Fi key, stopped. */
async function template(): Promise<{ dir: string; oldCode: string; oldKey: Buffer }> {
  const dir = path.join(tmpDir('hearth-wipe-tpl-'), 'data')
  await seedForeignFiles(dir)
  const teardowns: Array<() => unknown> = []
  const h = await startTestHub({ teardown: (fn) => void teardowns.push(fn) }, { '--privacy-history-sample-seconds': '1' }, dir)
  const oldCode = h.hub.identity.setupCode
  const web = new WebClient(h.hub.status().listeners.https.port, h.ca)
  await web.post('/api/v1/claim', { setupCode: oldCode, name: CANARY.owner, password: GOOD_PASSWORD })
  for (const name of [CANARY.device, CANARY.other]) {
    const d = (await web.post('/api/v1/devices', { name, kind: 'temperature' })).body as { id: string; token: string }
    const c = await h.connect({ username: d.id, password: d.token, clientId: d.id })
    await c.publishAsync(`hearth/${d.id}/state`, JSON.stringify({ temperature: CANARY.reading }), { retain: true, qos: 1 })
    c.end(true)
  }
  await new Promise((r) => setTimeout(r, 300))
  await h.stop()
  return { dir, oldCode, oldKey: readFileSync(path.join(dir, 'data.key')) }
}

t.test(`SIGKILL at random points of a wipe, ${RUNS} runs: every restart completes the wipe and never serves old data`, async (t) => {
  const tpl = await template()
  // Calibrate: how long a whole wipe takes with the step delay (request → receipt).
  const calib = path.join(tmpDir('hearth-wipe-cal-'), 'data')
  cpSync(tpl.dir, calib, { recursive: true })
  const cal = await startHubProcess({ timeoutMs: 120_000, dataDir: calib, env: { HEARTH_TEST_WIPE_STEP_DELAY_MS: STEP_MS } })
  const t0 = performance.now()
  await adminCall(path.join(calib, 'hearth.sock'), 'wipe', { yes: true })
  for (;;) {
    const r = await adminCall(path.join(calib, 'hearth.sock'), 'wipe.receipt', {}, 1000).catch(() => null)
    if (r) break
    await new Promise((res) => setTimeout(res, 10))
  }
  const span = performance.now() - t0
  await cal.stop()
  t.comment(`a whole wipe with ${STEP_MS} ms between steps takes ${Math.round(span)} ms; kills fall in 0..${Math.round(span * 1.2)} ms`)

  const outcome = { beforeCommit: 0, afterCommit: 0, midWipe: 0 }
  const one = async (run: number) => {
    const dir = path.join(tmpDir('hearth-wipe-kill-'), 'data')
    cpSync(tpl.dir, dir, { recursive: true })
    const hub = await startHubProcess({ timeoutMs: 120_000, dataDir: dir, env: { HEARTH_TEST_WIPE_STEP_DELAY_MS: STEP_MS } })
    t.teardown(() => hub.stop('SIGKILL'))
    const killAt = Math.random() * span * 1.2
    let answered = false
    const asked = adminCall(path.join(dir, 'hearth.sock'), 'wipe', { yes: true }).then(
      () => (answered = true),
      () => {},
    )
    await new Promise((r) => setTimeout(r, killAt))
    await hub.stop('SIGKILL')
    await asked
    const committed = answered || existsSync(path.join(dir, 'wipe.marker'))
    // Interrupted half-way: the marker is still there (the key and files may be gone or not).
    if (existsSync(path.join(dir, 'wipe.marker'))) outcome.midWipe++
    if (committed) outcome.afterCommit++
    else outcome.beforeCommit++

    // The restart: the same start-up code, in this process (spawning a second process per run
    // would double the run time and prove nothing more).
    const again = await startTestHub(t, {}, dir)
    const web = new WebClient(again.hub.status().listeners.https.port, again.ca)
    const setup = (await web.get('/api/v1/setup')).body as { claimed: boolean }
    const where = `run ${run} (kill at ${killAt.toFixed(1)} ms, ${committed ? 'committed' : 'not committed'})`
    if (committed || !setup.claimed) {
      // Wiped: first-run state from the first answer on, nothing old anywhere.
      const problems: string[] = []
      if (setup.claimed) problems.push('claimed')
      if (existsSync(path.join(dir, 'wipe.marker'))) problems.push('marker left')
      const claim = await web.post('/api/v1/claim', { setupCode: tpl.oldCode, name: 'Mallory', password: GOOD_PASSWORD })
      if (claim.status !== 401) problems.push(`old setup code answered ${claim.status}`)
      const devices = (await again.admin('device.list')) as unknown[]
      if (devices.length) problems.push(`${devices.length} devices`)
      const scan = scanForCanaries(dir, tpl.oldKey)
      if (scan.found.length || scan.opened || scan.keyBytes.length) problems.push(`left: ${scan.found.join(', ')} opened ${scan.opened}`)
      if (problems.length) t.fail(`${where}: ${problems.join('; ')}`)
      else wiped++
    } else {
      // Killed before the wipe was committed: the old hub, whole (never half-wiped).
      const devices = (await again.admin('device.list')) as Array<{ name: string }>
      if (devices.map((d) => d.name).sort().join() !== [CANARY.other, CANARY.device].sort().join()) t.fail(`${where}: half-wiped: ${devices.length} devices`)
      else whole++
    }
    await again.stop()
    rmSync(path.dirname(dir), { recursive: true, force: true })
  }
  let wiped = 0
  let whole = 0
  let next = 0
  const worker = async () => {
    while (next < RUNS) await one(next++)
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker))
  t.equal(wiped + whole, RUNS, `every run checked: ${wiped} wiped, ${whole} whole (killed before the wipe was committed)`)
  t.comment(`outcomes: ${JSON.stringify(outcome)}`)
  t.ok(outcome.afterCommit >= RUNS / 3, `most kills land after the wipe was committed (${outcome.afterCommit})`)
  t.ok(outcome.midWipe > 0, 'some kills interrupt the wipe half-way (marker still present)')
  t.pass(`${RUNS} runs`)
})

