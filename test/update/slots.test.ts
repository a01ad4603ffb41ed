import t from 'tap'
import { promises as fsp, readFileSync } from 'node:fs'
import path from 'node:path'
import mqtt from 'mqtt'
import { adminCall } from '../../src/admin/client.js'
import { verifyBundle } from '../../src/update/bundle.js'
import { installBundle } from '../../src/update/install.js'
import { tarHeader, tarPadding, TAR_END } from '../../src/update/tar.js'
import { readSlotState } from '../../src/update/slots.js'
import { releaseKey, snapshot, testBundle, updateTmp } from '../helpers/update-slots.js'
import { launch } from './launcher.js'
import { runCli } from '../helpers/hub-process.js'

/**
 * The whole update path with real processes: the launcher runs the hub from slot a; bad bundles
 * are refused with the slots untouched; a good one installs into b, the hub restarts into it and
 * confirms its health; a bundle that cannot start is rolled back; a modified installed file
 * means lockdown and an alert at the next start.
 */
t.test('A/B update end to end', async (t) => {
  const key = releaseKey()
  const tmp = updateTmp()
  t.teardown(() => fsp.rm(tmp, { recursive: true, force: true }))
  const slots = path.join(tmp, 'slots')
  const dataDir = path.join(tmp, 'data')
  const v1 = await testBundle(tmp, key, '1.0.0')
  const seeded = await verifyBundle(v1, { trusted: key.trusted, installed: undefined })
  await installBundle(seeded, { trusted: key.trusted, installed: undefined, slotsDir: slots, healthDeadlineSeconds: 20, wallMs: Date.now() })

  let hub = launch(slots, dataDir)
  t.teardown(() => hub.stop())
  let ready = await hub.nextReady()
  t.equal(ready.version, '1.0.0', 'the hub runs from slot a')
  const sock = path.join(dataDir, 'hearth.sock')
  const admin = (m: string, p: Record<string, unknown> = {}) => adminCall(sock, m, p, 60_000) as Promise<any>
  const st = await admin('update.status')
  t.equal(st.installed.slot, 'a')

  // Integrity of the seeded slot: verified against its signed manifest.
  const settled = async () => {
    for (let i = 0; i < 100; i++) {
      const s = await admin('update.status')
      if (s.integrity.checkedAt) return s
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error('integrity never checked')
  }
  t.equal((await settled()).integrity.status, 'verified')

  await t.test('bad bundles are refused before any write', async (t) => {
    const good = await testBundle(tmp, key, '1.1.0')
    const bytes = await fsp.readFile(good)
    const bad: Record<string, string> = {}
    // A flipped byte in the middle of the app's files.
    const flipped = Buffer.from(bytes)
    flipped[Math.floor(bytes.length / 2)]! ^= 0x01
    await fsp.writeFile((bad['flipped byte'] = path.join(tmp, 'flipped.hbundle')), flipped)
    bad['wrong key'] = await testBundle(tmp, releaseKey('mallory'), '1.1.0')
    bad['older version'] = await testBundle(tmp, key, '0.9.0')
    bad['same version'] = await testBundle(tmp, key, '1.0.0')
    await fsp.writeFile((bad['truncated'] = path.join(tmp, 'truncated.hbundle')), bytes.subarray(0, Math.floor(bytes.length * 0.7)))
    // Path traversal: a validly signed manifest, then an entry that climbs out of the slot.
    const evil = Buffer.from('owned')
    const m = await verifyBundle(good, { trusted: key.trusted, installed: '1.0.0' })
    const sig = m.signatureBytes
    const traversal = Buffer.concat([
      tarHeader('manifest.json', m.manifestBytes.length, 0o644), m.manifestBytes, tarPadding(m.manifestBytes.length),
      tarHeader('manifest.sig', sig.length, 0o644), sig, tarPadding(sig.length),
      rawTraversal('app/../../../escaped.txt', evil.length), evil, tarPadding(evil.length),
      TAR_END,
    ])
    await fsp.writeFile((bad['path traversal'] = path.join(tmp, 'traversal.hbundle')), traversal)

    const before = await snapshot(slots)
    const why: Record<string, RegExp> = {
      'flipped byte': /SHA-256|checksum|malformed/,
      'wrong key': /does not trust/,
      'older version': /older than the installed 1\.0\.0/,
      'same version': /already installed/,
      truncated: /truncated/,
      'path traversal': /"\.\." path segment/,
    }
    for (const [what, file] of Object.entries(bad)) {
      await t.rejects(admin('update.apply', { bundle: file }), { code: 'HUB_ERR_UPDATE_REFUSED', message: why[what]! }, what)
    }
    const after = await snapshot(slots)
    t.ok(before.size > 30, `slot a is in the snapshot (${before.size} files)`)
    t.same(after, before, 'slots dir untouched (every file, byte for byte; current; state.json)')
    for (const where of [tmp, path.join(tmp, '..'), slots]) await t.rejects(fsp.stat(path.join(where, 'escaped.txt')), 'nothing escaped')
    t.equal((await admin('status')).version, '1.0.0', 'the hub kept running')
    // The same through the CLI on the box.
    const cli = await runCli(['update', 'apply', bad['wrong key']!, '--data-dir', dataDir])
    t.equal(cli.code, 65, 'hearth update apply: refused, exit 65')
    t.match(cli.stderr, /does not trust/)
  })

  await t.test('a valid bundle installs into slot b and the new version runs', async (t) => {
    const v11 = await testBundle(tmp, key, '1.1.0', { info: { notes: 'Fixes CVE-0000-0001 (test).' } })
    const r = await admin('update.apply', { bundle: v11 })
    t.same(r, { version: '1.1.0', slot: 'b', restarting: true })
    ready = await hub.nextReady()
    t.equal(ready.version, '1.1.0', 'restarted from slot b')
    let s = await admin('update.status')
    for (let i = 0; i < 50 && !s.lastInstall; i++) (await new Promise((r) => setTimeout(r, 100)), (s = await admin('update.status')))
    t.equal(s.installed.slot, 'b')
    t.match(s.lastInstall, { ok: true, version: '1.1.0', fromVersion: '1.0.0' }, 'health confirmed')
    t.notOk((await readSlotState(slots)).trial, 'no trial left')
    t.equal(await fsp.readlink(path.join(slots, 'current')), 'b')
    const cli = await runCli(['update', 'status', '--data-dir', dataDir])
    t.equal(cli.code, 0)
    t.match(cli.stdout, /Installed: 1\.1\.0 \(slot b\)/)
    t.match(cli.stdout, /Last update: 1\.0\.0 → 1\.1\.0 ok/)
  })

  await t.test('a version that fails before its health check is rolled back, and says why', async (t) => {
    // Validly signed, but missing the modules the hub imports (its shared chunks): it cannot start.
    const broken = await testBundle(tmp, key, '1.2.0', { edit: (f) => f.filter((x) => !/^dist\/app\/chunk-/.test(x.path)) })
    t.equal((await admin('update.apply', { bundle: broken })).slot, 'a')
    ready = await hub.nextReady(40_000)
    t.equal(ready.version, '1.1.0', 'back on the previous version')
    t.equal(await fsp.readlink(path.join(slots, 'current')), 'b')
    const s = await admin('update.status')
    t.match(s.lastInstall, { ok: false, version: '1.2.0', fromVersion: '1.1.0', reason: /exited \(code \d+\) before its health check passed/ }, 'reason persisted and shown')
  })

  await t.test('a version that never confirms its health is stopped at the deadline and rolled back', async (t) => {
    // Validly signed, but its entry point hangs: it neither serves nor exits.
    const hang = await testBundle(tmp, key, '1.3.0', { edit: (f) => [...f.filter((x) => x.path !== 'bin/hearth.js'), { path: 'bin/hearth.js', source: Buffer.from('setInterval(() => {}, 1000)\n'), mode: 0o755 }] })
    t.equal((await admin('update.apply', { bundle: hang })).slot, 'a')
    ready = await hub.nextReady(60_000)
    t.equal(ready.version, '1.1.0', 'back on the previous version after the 20 s deadline')
    t.match((await admin('update.status')).lastInstall, { ok: false, version: '1.3.0', reason: /no healthy confirmation within 20 s/ })
  })

  await t.test('power lost during a trial: the next start rolls back', async (t) => {
    t.equal(await hub.stop(), 0)
    const v14 = await testBundle(tmp, key, '1.4.0')
    const opts = { trusted: key.trusted, installed: '1.1.0' }
    await installBundle(await verifyBundle(v14, opts), { ...opts, slotsDir: slots, healthDeadlineSeconds: 20, wallMs: Date.now() })
    // The box booted into 1.4.0 once (the launcher counted it) and lost power before it confirmed.
    const state = await readSlotState(slots)
    state.trial!.boots = 1
    await fsp.writeFile(path.join(slots, 'state.json'), JSON.stringify(state))
    hub = launch(slots, dataDir)
    ready = await hub.nextReady()
    t.equal(ready.version, '1.1.0')
    t.equal(await fsp.readlink(path.join(slots, 'current')), 'b')
    t.match((await admin('update.status')).lastInstall, { ok: false, version: '1.4.0', reason: /did not confirm its health/ })
  })

  await t.test('a modified installed file → lockdown and an alert at the next start', async (t) => {
    await hub.stop()
    const file = path.join(slots, 'b', 'dist/app/hearth.mjs')
    await fsp.appendFile(file, '\n// tampered\n')
    hub = launch(slots, dataDir)
    ready = await hub.nextReady()
    const s = await settled()
    t.equal(s.integrity.status, 'failed')
    t.match(s.integrity.problems, ['dist/app/hearth.mjs: modified'])
    t.equal(s.integrity.lockdown, true)
    let policy = await admin('policy.show')
    for (let i = 0; i < 30 && policy.mode !== 'lockdown'; i++) (await new Promise((r) => setTimeout(r, 100)), (policy = await admin('policy.show')))
    t.equal(policy.mode, 'lockdown', 'the firewall policy is lockdown')
    // The bus: an integration account reads the retained alert (only the hub can publish it).
    const acct = await admin('account.add', { name: 'ha', role: 'integration' })
    const c = mqtt.connect(`mqtts://127.0.0.1:${ready.listeners.mqtts.port}`, { username: acct.username, password: acct.token, clientId: acct.username, rejectUnauthorized: false, reconnectPeriod: 0, protocolVersion: 4 })
    t.teardown(() => c.end(true))
    const alert = await new Promise<string>((resolve, reject) => {
      c.on('message', (topic, payload) => topic === 'hearth/$hub/alert' && resolve(payload.toString()))
      c.on('connect', () => c.subscribe('hearth/$hub/alert'))
      c.on('error', reject)
      setTimeout(() => reject(new Error('no alert')), 5000)
    })
    t.match(JSON.parse(alert), { code: 'integrity', problems: ['dist/app/hearth.mjs: modified'] })
    t.match(hub.output(), /ALERT: installed software does not match its signed manifest/, 'logged')
    // The owner acts: acknowledged → lockdown lifted.
    const ack = await admin('integrity.acknowledge')
    t.match(ack, { status: 'failed', acknowledged: true, lockdown: false })
    policy = await admin('policy.show')
    t.equal(policy.mode, 'normal')
  })
})

/** A header for a name the writer refuses to produce (what an attacker's own tool would write). */
function rawTraversal(name: string, size: number): Buffer {
  const h = tarHeader('x', size, 0o644)
  h.fill(0, 0, 100)
  h.write(name, 0, 100, 'latin1')
  h.write('        ', 148, 8, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1')
  return h
}
