import t from 'tap'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ext4At, partitions, readExt4File } from '../../tools/image/disk.js'
import { fingerprint } from '../../src/identity/tls.js'
import { WebClient } from '../helpers/web-client.js'
import { caFromHubJson, dataFs } from './boot-disk.js'
import { biggerCard, FIREWALL_MS, HTTPS, IMAGE, MQTTS, OUT, READY_MS, SLOW_MS, SSH, workDir } from './boot-env.js'
import { dnsNames, mqttConnack, sleep, tcpFate, untilHealthy } from './probe.js'
import { bootFiles, requireQemu, since, startVm, type Vm } from './qemu.js'

/**
 * The installer → householder flow of the SD image issue, on a booted card: the installer
 * personalises a card (npm run image:personalize) and hands over its label; the card boots (qemu
 * -M virt, TCG); the householder's browser checks the hub's certificate against the CA
 * fingerprint on the label and claims the hub with the label's setup code. Then the power is cut
 * and the card boots again: the firewall is in force before the network comes up, the hub is still
 * claimed, and the setup code stays dead.
 */
t.comment(requireQemu())
const work = workDir('hearth-boot-card-')
const card = path.join(work, 'card.img')
const made = spawnSync('node', ['dist/tools/image/personalize.js', IMAGE, '--out', card], { encoding: 'utf8' })
if (made.status !== 0) throw new Error(`image:personalize failed: ${made.stderr}`)
const label = readFileSync(path.join(work, 'card.label.txt'), 'utf8')
const setupCode = /Setup code:\s+(\S+)/.exec(label)?.[1] ?? ''
const host = /Hearth hub (hearth-[a-z0-9]{4})/.exec(label)?.[1] ?? ''
const labelFp = /CA SHA-256[^\n]*\n\s+([0-9A-F:]{95})/.exec(label)?.[1] ?? ''
// The CA certificate as the card holds it (public data): what the householder's browser is shown.
const ca = caFromHubJson(readExt4File(ext4At(card, partitions(card).partitions[3]!.offset), '/hub.json'))
biggerCardInPlace(card)
const boot = bootFiles(card, work)
// A password made now, never stored: the owner's, for this run only.
const password = `${randomBytes(12).toString('base64url')} hearth`
const name = 'Householder'

function biggerCardInPlace(file: string): void {
  const tmp = `${file}.big`
  biggerCard(file, tmp)
  spawnSync('mv', ['-f', tmp, file])
}

async function bootCard(n: number): Promise<Vm> {
  const consoleLog = path.join(OUT, `boot-card-${n}.console.log`)
  const vm = await startVm({ disk: card, boot, consoleLog, forward: [HTTPS, MQTTS, SSH] })
  t.teardown(() => vm.kill())
  t.comment(`boot ${n} of the personalised card; serial console: ${consoleLog}`)
  return vm
}

t.test('the label: a setup code, the hub name, and the fingerprint of the CA on the card', async (t) => {
  t.match(setupCode, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/)
  t.match(host, /^hearth-[a-z0-9]{4}$/)
  t.equal(fingerprint(ca), labelFp, "the card's CA is the one whose fingerprint is printed on the label")
})

const vm1 = await bootCard(1)
let client: WebClient | undefined

t.test('first boot: HTTPS proves itself with the label\'s CA for hearth-XXXX.local', async (t) => {
  const r = await untilHealthy(vm1.ports[HTTPS]!, ca, `${host}.local`, vm1.started + READY_MS, vm1.exited)
  t.comment(`power-on → hub ready: ${since(vm1.started)} s (TCG; personalised card: no key generation on the box)`)
  t.equal(r.status, 200, `health 200 over TLS verified against the label's CA, for the name ${host}.local`)
  t.same(dnsNames(r.cert).filter((n) => n.startsWith('hearth-')).sort(), [host, `${host}.local`], "the label's name, as the hub's hostname and its mDNS name")
  t.match(vm1.console(), /EXT4-fs \(vda4\): resized filesystem to \d+/, 'the data partition was grown on this boot too')
})

t.test('MQTT: a CONNECT without credentials is refused', async (t) => {
  t.equal(await mqttConnack(vm1.ports[MQTTS]!, ca, `${host}.local`), 5, 'CONNACK 5: not authorised')
})

t.test("the householder claims the hub with the label's setup code", async (t) => {
  const c = new WebClient(vm1.ports[HTTPS]!, ca, '127.0.0.1', SLOW_MS)
  t.same((await c.get('/api/v1/setup')).body, { claimed: false }, 'not claimed yet')
  t.equal((await c.get('/api/v1/security')).status, 401, 'nothing but setup, claim and health before the claim')
  t.equal((await c.post('/api/v1/claim', { setupCode: 'AAAA-BBBB-CCCC', name, password })).status, 401, 'a wrong code is refused')
  const t0 = Date.now()
  const claim = await c.post('/api/v1/claim', { setupCode, name, password })
  t.comment(`claim (argon2id of the password, 64 MiB) answered in ${((Date.now() - t0) / 1000).toFixed(1)} s under TCG`)
  t.equal(claim.status, 201, 'claimed with the code from the label')
  t.match(claim.headers['set-cookie']?.[0], /^__Host-hearth=[^;]+; Path=\/; Secure; HttpOnly; SameSite=Strict/)
  t.equal((await new WebClient(vm1.ports[HTTPS]!, ca, '127.0.0.1', SLOW_MS).post('/api/v1/claim', { setupCode, name: 'Mallory', password })).status, 409, 'the code is dead now')
  client = c
  // The policy as the hub's own status reports it, verified by the helper reading it back from nft.
  const deadline = Date.now() + FIREWALL_MS
  let sec = (await c.get('/api/v1/security')).body as {
    hostname: string
    setupCodeValid: boolean
    firewall?: { applied: boolean; mode?: string; reason?: string }
    events: Array<{ kind: string; severity: string; detail: string }>
  }
  while (!sec.firewall?.applied && Date.now() < deadline) {
    await sleep(5000)
    sec = (await c.get('/api/v1/security')).body as typeof sec
  }
  t.equal(sec.hostname, host, 'the security page names the hub as the label does')
  t.equal(sec.setupCodeValid, false)
  t.equal(sec.firewall?.applied, true, `the host firewall is in force (${sec.firewall?.reason ?? sec.firewall?.mode}; ${since(vm1.started)} s)`)
  t.equal(await tcpFate(vm1.ports[SSH]!, 8000), 'filtered', 'and tcp/22 is dropped')
  const alerts = sec.events.filter((e) => e.severity === 'alert').map((e) => e.detail)
  t.same(alerts, [], 'no alert in the security log on a first boot (the helper answered in time)')
})

t.test('second boot after a power cut: firewall before the network, still claimed, same identity', async (t) => {
  await vm1.kill()
  const vm2 = await bootCard(2)
  const r = await untilHealthy(vm2.ports[HTTPS]!, ca, `${host}.local`, vm2.started + READY_MS, vm2.exited)
  t.comment(`power-on → hub ready: ${since(vm2.started)} s (second boot)`)
  t.equal(r.status, 200, 'the same CA, the same name')
  t.equal(await tcpFate(vm2.ports[SSH]!, 8000), 'filtered', 'tcp/22 is dropped from the moment the hub answers: the last policy was applied at boot')
  const c = vm2.console()
  const at = (re: RegExp) => c.search(re)
  t.ok(at(/Finished hearth-firewall\.s/) >= 0, 'hearth-firewall.service ran at boot (the policy state is on the data partition now)')
  t.ok(at(/Finished hearth-firewall\.s/) < at(/Started systemd-networkd\.s/), 'and finished before the network was started')
  t.notMatch(c, /resized filesystem/, 'nothing left to grow')
  t.notMatch(c, /\[FAILED\]|\[DEPEND\]|login:\s*$|emergency/im, 'no failed unit, no login prompt')
  const web = new WebClient(vm2.ports[HTTPS]!, ca, '127.0.0.1', SLOW_MS)
  t.same((await web.get('/api/v1/setup')).body, { claimed: true }, 'the claim survived the power cut')
  t.equal((await web.post('/api/v1/claim', { setupCode, name: 'Mallory', password })).status, 409, 'the label\'s code stays dead')
  t.equal((await web.post('/api/v1/session', { name, password })).status, 200, 'the householder logs in with their password')
  const old = new WebClient(vm2.ports[HTTPS]!, ca, '127.0.0.1', SLOW_MS)
  old.cookie = client?.cookie
  t.ok(old.cookie, 'the session cookie from before the power cut…')
  t.equal((await old.get('/api/v1/session')).status, 401, '…no longer works (sessions live in memory only)')
  await vm2.kill()
  const d = dataFs(card, path.join(work, 'data.ext4'))
  t.ok(d.endSector >= d.diskSectors - 2048 && d.blockCount * d.blockSize >= d.part.bytes - d.blockSize, 'the data partition still fills the card')
  t.ok(d.fsckClean, `e2fsck -fn after two power cuts: clean (${d.fsckSummary})`)
})
