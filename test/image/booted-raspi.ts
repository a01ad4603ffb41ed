import t from 'tap'
import path from 'node:path'
import { partitions, run } from '../../tools/image/disk.js'
import { dataFs } from './boot-disk.js'
import { IMAGE, OUT, READY_MS, workDir } from './boot-env.js'
import { bootFiles, requireQemu, since, startVm } from './qemu.js'

/**
 * The real board's boot path, as far as qemu 7.2 emulates it: `-M raspi3b` (BCM2837, the Pi 3B+'s
 * SoC, 4 × Cortex-A53, 1 GiB) boots the image's kernel with the Pi 3B+ device tree from the boot
 * partition, and the slimmed initramfs must find the SD card with the board's own driver (the
 * list made from the device trees' aliases, image/lib/base.sh) — no virtio here. qemu emulates no
 * Ethernet for this board (the 3B+'s is on USB), so the hub is watched on the serial console only:
 * the data partition grown to the card, hearth-boot done, the hub started, no login, no emergency.
 */
t.comment(requireQemu())
const work = workDir('hearth-boot-raspi-')
const card = path.join(work, 'sd.img')
// qemu's SD card must be a power of two in size: 4 GiB, a card twice the image.
run('cp', ['--sparse=always', IMAGE, card])
run('truncate', ['-s', '4G', card])
const boot = bootFiles(IMAGE, work)
const diskId = partitions(IMAGE).id.replace(/^0x/, '')
const consoleLog = path.join(OUT, 'boot-raspi3b.console.log')
const vm = await startVm({ machine: 'raspi3b', disk: card, boot, dtb: boot.dtb('bcm2837-rpi-3-b-plus.dtb'), consoleLog })
t.teardown(() => vm.kill())
t.comment(`serial console: ${consoleLog}`)
const wait = (re: RegExp, what: string) => vm.waitFor(re, READY_MS - (Date.now() - vm.started), what)

t.test('raspi3b: the initramfs finds the SD card with the board driver and mounts root A by PARTUUID', async (t) => {
  const cmdline = (await wait(/Kernel command line: (.*)\n/, 'the kernel command line'))[1]!
  t.match(cmdline, new RegExp(`root=PARTUUID=${diskId}-02 .* ro `), 'root A by PARTUUID, read-only')
  await wait(/Run \/init as init process/, 'the initramfs')
  t.match((await wait(/(sdhost-bcm2835|sdhci-iproc) \S+: /, 'an SD host controller driver'))[1], /sdhost-bcm2835|sdhci-iproc/, 'the SD controller driver came from the initramfs')
  t.equal((await wait(/EXT4-fs \((mmcblk\d+p\d+)\): mounted filesystem/, 'root mounted'))[1], 'mmcblk0p2', 'root A from the SD card')
  await wait(/Welcome to Debian/, 'systemd')
  t.comment(`root mounted and systemd started ${since(vm.started)} s after power-on`)
})

t.test('raspi3b: first boot grows the data partition, hearth-boot finishes, the hub starts', async (t) => {
  await wait(/EXT4-fs \(mmcblk0p4\): resized filesystem to \d+\n/, 'the data file system grown')
  await wait(/Finished hearth-boot\.s/, 'hearth-boot.service finished')
  t.comment(`hearth-boot.service finished ${since(vm.started)} s after power-on`)
  await wait(/Started hearth\.service/, 'hearth.service started')
  t.comment(`hearth.service started ${since(vm.started)} s after power-on (no network: after wait-online gave up)`)
  const c = vm.console()
  // No Ethernet is emulated for this board: waiting for the network fails, as on a Pi without a cable.
  const failed = [...c.matchAll(/\[(?:FAILED|DEPEND)\][^\n]*/g)].map((m) => m[0]).filter((l) => !/Wait for Network to be Configured|systemd-networkd-wait/.test(l))
  t.same(failed, [], 'no unit failed but waiting for a network the emulator does not have')
  t.notMatch(c, /login:\s*$|emergency mode|rescue mode/im, 'no login prompt, no emergency mode')
  await vm.kill()
  const d = dataFs(card, path.join(work, 'data.ext4'))
  t.ok(d.endSector >= d.diskSectors - 2048 && d.blockCount * d.blockSize >= d.part.bytes - d.blockSize, `data partition and ext4 fill the 4 GiB card (${d.blockCount} × ${d.blockSize} B)`)
  t.ok(d.fsckClean, `e2fsck -fn after the power cut: clean (${d.fsckSummary})`)
})
