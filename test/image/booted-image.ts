import t from 'tap'
import path from 'node:path'
import { X509Certificate } from 'node:crypto'
import { partitions } from '../../tools/image/disk.js'
import { caFromHubJson, dataFs, sameBytes } from './boot-disk.js'
import { biggerCard, FIREWALL_MS, HTTPS, IMAGE, MQTTS, OUT, READY_MS, SSH, workDir } from './boot-env.js'
import { dnsNames, sleep, tcpFate, untilHealthy, type Health } from './probe.js'
import { bootFiles, requireQemu, since, startVm } from './qemu.js'

/**
 * The SD image as downloaded, flashed to a card 1 GiB bigger than the image and booted for the
 * first time under full-system emulation (qemu-system-aarch64 -M virt, TCG), watched from outside
 * only: the serial console, ports forwarded from 127.0.0.1, and the disk after the power is cut.
 * The householder's view: a hub that names itself hearth-XXXX, answers HTTPS and nothing else,
 * offers no login anywhere, and has grown its data partition to the card.
 */
t.comment(requireQemu())
const work = workDir('hearth-boot-image-')
const disk = path.join(work, 'card.img')
biggerCard(IMAGE, disk)
const boot = bootFiles(IMAGE, work)
const diskId = partitions(IMAGE).id.replace(/^0x/, '')
const consoleLog = path.join(OUT, 'boot-image.console.log')
const vm = await startVm({ disk, boot, consoleLog, forward: [HTTPS, MQTTS, SSH] })
t.teardown(() => vm.kill())
t.comment(`serial console: ${consoleLog}`)
const wait = (re: RegExp, what: string, ms = READY_MS) => vm.waitFor(re, ms - (Date.now() - vm.started), what)

t.test('kernel and initramfs from the boot partition mount root A read-only by PARTUUID', async (t) => {
  const cmdline = (await wait(/Kernel command line: (.*)\n/, 'the kernel command line'))[1]!
  t.match(cmdline, new RegExp(`root=PARTUUID=${diskId}-02 `), `root A (partition 2 of disk ${diskId}) by PARTUUID`)
  t.match(cmdline, / ro /, 'read-only')
  t.equal(cmdline.trim(), vm.append.trim(), "the image's own cmdline.txt, plus only console=ttyAMA0")
  await wait(/Run \/init as init process/, 'the initramfs')
  const mounted = await wait(/EXT4-fs \((vda\d)\): mounted filesystem/, 'the root file system mounted')
  t.equal(mounted[1], 'vda2', 'the initramfs (virtio from its module list) found partition 2 and mounted it')
  await wait(/Welcome to Debian/, 'systemd')
  t.comment(`root mounted and systemd started ${since(vm.started)} s after power-on`)
})

let ready: Health | undefined
t.test('first boot: hearth-boot grows the data partition and names the hub before the network and the hub start', async (t) => {
  const grown = await wait(/EXT4-fs \(vda4\): resized filesystem to (\d+)\n/, 'the data file system grown')
  t.ok(Number(grown[1]) > 0, `data file system resized to ${grown[1]} blocks (${since(vm.started)} s)`)
  await wait(/Finished hearth-boot\.s/, 'hearth-boot.service finished')
  t.comment(`hearth-boot.service finished ${since(vm.started)} s after power-on (first boot: growth and provisioning)`)
  await wait(/Started hearth\.service/, 'hearth.service started')
  const c = vm.console()
  const at = (re: RegExp) => c.search(re)
  t.ok(at(/Finished hearth-boot\.s/) < at(/Started systemd-networkd\.s/), 'hearth-boot before the network')
  const fw = at(/Finished hearth-firewall\.s/)
  t.ok(fw >= 0 && fw < at(/Started systemd-networkd\.s/), 'first boot: the firewall helper applied the boot policy before the network')
  t.ok(at(/Started systemd-networkd\.s/) < at(/Started hearth\.service/), 'the network before the hub')
  t.ok(at(/Reached target network-online\.target/) < at(/Started hearth\.service/), 'the hub after network-online (its certificate names the LAN address)')
})

t.test('the hub answers GET /api/v1/health over HTTPS; its certificate names hearth-XXXX and hearth-XXXX.local', async (t) => {
  ready = await untilHealthy(vm.ports[HTTPS]!, undefined, 'localhost', vm.started + READY_MS, vm.exited)
  t.comment(`power-on → hub ready: ${since(vm.started)} s (TCG)`)
  t.equal(ready.status, 200)
  t.match(JSON.parse(ready.body), { status: 'ok' })
  const names = dnsNames(ready.cert)
  const host = names.find((n) => /^hearth-[a-z0-9]{4}$/.test(n))
  t.ok(host, `a hearth-XXXX name among ${names.join(', ')}`)
  t.ok(names.includes(`${host}.local`), `and ${host}.local (mDNS)`)
  t.match(ready.cert.subject, new RegExp(`CN=${host}\\.local`))
})

t.test('the firewall: in force from the first moment the network is up — a port without a service is dropped, not refused', async (t) => {
  const port = vm.ports[SSH]!
  // First boot: hearth-boot leaves the boot policy (links only, no service port) and
  // hearth-firewall.service applies it before any link comes up; the hub's own state follows
  // once it runs. Without a policy the guest kernel answers RST, which qemu's slirp turns into a
  // closed connection: the probe tells the two apart.
  const first = await tcpFate(port, 8000)
  t.comment(`tcp/22 right after the hub first answered: ${first} (${since(vm.started)} s)`)
  t.equal(first, 'filtered', 'tcp/22 (no sshd): no answer at all already when the hub first answers — no window without a policy')
  const deadline = Date.now() + FIREWALL_MS
  let fate = first
  while (fate !== 'filtered' && Date.now() < deadline) {
    await sleep(5000)
    fate = await tcpFate(port, 8000)
  }
  t.equal(fate, 'filtered', 'and still dropped once the hub applied its own state')
  t.equal((await untilHealthy(vm.ports[HTTPS]!, undefined, 'localhost', Date.now() + 60_000, vm.exited)).status, 200, 'HTTPS still answers')
})

t.test('the serial console: no login prompt, no failed unit, no emergency mode', async (t) => {
  await sleep(5000)
  const c = vm.console()
  t.notMatch(c, /login:\s*$/im, 'no login prompt')
  t.notMatch(c, /serial-getty@|Started getty/, 'no getty was started (console=ttyAMA0 would start one unless masked)')
  t.notMatch(c, /\[FAILED\]|\[DEPEND\]/, 'no unit failed')
  t.notMatch(c, /emergency|rescue mode/i, 'no emergency or rescue mode')
})

t.test('after a power cut: partition 4 and its ext4 end at the end of the card; nothing else was written', async (t) => {
  if (!ready) t.fail('the hub never answered: the checks below look at whatever the boot left')
  await vm.kill()
  const d = dataFs(disk, path.join(work, 'data.ext4'))
  t.ok(d.endSector >= d.diskSectors - 2048, `partition 4 ends at sector ${d.endSector} of ${d.diskSectors} (within the last MiB)`)
  t.ok(d.blockCount * d.blockSize >= d.part.bytes - d.blockSize, `ext4 fills it: ${d.blockCount} × ${d.blockSize} B for ${d.part.bytes} B`)
  t.ok(d.fsckClean, `e2fsck -fn after replaying the journal: clean (${d.fsckSummary})`)
  const img = partitions(IMAGE).partitions
  t.same(partitions(disk).partitions.slice(0, 3), img.slice(0, 3), 'partitions 1–3 unchanged')
  t.ok(sameBytes(IMAGE, disk, 512, img[3]!.offset), 'boot partition and both root slots byte for byte as flashed: root A was never mounted writable')
  const ca = caFromHubJson(d.read('/hub.json'))
  t.ok(ready?.cert.verify(new X509Certificate(ca).publicKey), "the server certificate was issued by the CA the card made for itself (in the data partition's hub.json)")
})
