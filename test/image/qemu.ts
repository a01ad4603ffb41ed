import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import path from 'node:path'
import { partitions, run } from '../../tools/image/disk.js'
import { freePorts } from '../helpers/ports.js'

/**
 * Boots a Hearth SD image under full-system emulation (qemu-system-aarch64, TCG: no KVM in CI)
 * and watches it from outside: the serial console, and TCP ports forwarded from 127.0.0.1 by
 * qemu's user-mode network (slirp). The kernel, initramfs and command line come from the image's
 * own FAT boot partition (mtools: no mount, no loop device); the emulator only adds what it
 * needs — console=ttyAMA0, the PL011 serial port of `-M virt` — so the console can be read.
 * Always runs under `nice -n 19 ionice -c3`: benchmarks share this machine.
 */

export const QEMU = 'qemu-system-aarch64'

/** Throws (never skips) when the emulator is not installed: CI must install qemu-system-arm. */
export function requireQemu(): string {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) throw new Error(`${QEMU} is missing (apt-get install qemu-system-arm): ${r.error?.message ?? r.stderr}`)
  return r.stdout.split('\n')[0]!.trim()
}

export interface BootFiles {
  kernel: string
  initrd: string
  /** The image's cmdline.txt, one line. */
  cmdline: string
  /** Device trees by file name, for `-M raspi3b`. */
  dtb: (name: string) => string
}

/** Copies vmlinuz, initrd.img and cmdline.txt out of the image's boot partition with mtools. */
export function bootFiles(image: string, dir: string): BootFiles {
  const boot = partitions(image).partitions[0]!
  const at = `${image}@@${boot.offset}`
  const get = (name: string) => {
    const to = path.join(dir, name)
    run('mcopy', ['-o', '-n', '-i', at, `::/${name}`, to])
    return to
  }
  return { kernel: get('vmlinuz'), initrd: get('initrd.img'), cmdline: run('mtype', ['-i', at, '::/cmdline.txt']).trim(), dtb: get }
}

export interface VmOptions {
  /** The disk image (raw); written to by the guest. */
  disk: string
  boot: BootFiles
  /** Where the serial console is copied to (also kept in memory). */
  consoleLog: string
  /** `virt`: virtio disk and network; `raspi3b`: the board's own SD controller, no network. */
  machine?: 'virt' | 'raspi3b'
  /** Guest TCP ports to forward from 127.0.0.1 (virt only). */
  forward?: number[]
  /** Picks the host ports (default freePorts); a test hands out a taken one to check the retry. */
  pickPorts?: (n: number) => Promise<number[]>
  /** Extra kernel parameters beyond console=…; default HEARTH_BOOT_APPEND, for debugging only
   * (e.g. systemd.journald.forward_to_console=1 puts the journal on the console log). */
  extraAppend?: string
  /** Device tree for raspi3b. */
  dtb?: string
}

export interface Vm {
  proc: ChildProcess
  /** Host port for each forwarded guest port. */
  ports: Record<number, number>
  /** The kernel command line actually used. */
  append: string
  started: number
  /** The serial console so far, colour codes and cursor moves removed. */
  console(): string
  /** Resolves with the first match of `re` on the console (searching what came already too). */
  waitFor(re: RegExp, ms: number, what: string): Promise<RegExpMatchArray>
  exited(): boolean
  /** Pulls the plug: SIGKILL, as a power cut would (no shutdown in the guest). */
  kill(): Promise<void>
}

/**
 * Starts the VM with each forwarded guest port on its own free host port. A port can still be
 * taken by another process between the pick and qemu's bind, and qemu then exits at once
 * ("Could not set up host forwarding rule"): that is retried on new ports, twice at most.
 */
export async function startVm(opts: VmOptions): Promise<Vm> {
  const forward = opts.forward ?? []
  for (let attempt = 1; ; attempt++) {
    const picked = await (opts.pickPorts ?? freePorts)(forward.length)
    const vm = launch(opts, Object.fromEntries(forward.map((guest, i) => [guest, picked[i]!])))
    if (await forwarding(vm, picked)) return vm
    if (attempt === 3) throw new Error(`qemu could not forward its ports in 3 tries; last console:\n${vm.console()}`)
  }
}

/**
 * False when qemu exited because it could not bind a forwarded port; true once qemu itself holds
 * a listening socket on every one of them (or exited for another reason, which the caller's
 * waitFor reports). Another process's listener does not count: qemu binds its forwards in reverse
 * order, so for a moment all ports can listen while qemu is about to fail on the taken one.
 */
async function forwarding(vm: Vm, ports: number[], ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (vm.exited()) return !/Could not set up host forwarding rule/.test(vm.console())
    const listening = listeningSockets()
    const own = socketsOf(vm.proc.pid!)
    if (ports.every((p) => own.has(listening.get(p) ?? ''))) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

/** Socket inode of each TCP port in LISTEN state on this host, from /proc/net/tcp (Linux). */
function listeningSockets(): Map<number, string> {
  const out = new Map<number, string>()
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f[3] === '0A') out.set(parseInt(f[1]!.split(':')[1]!, 16), f[9]!)
  }
  return out
}

/** Socket inodes a process holds open (nice and ionice exec qemu, so the pid is qemu's). */
function socketsOf(pid: number): Set<string> {
  const out = new Set<string>()
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' }))
      if (m) out.add(m[1]!)
    }
  } catch {
    // gone between the checks: the next round sees it exited
  }
  return out
}

function launch(opts: VmOptions, ports: Record<number, number>): Vm {
  const machine = opts.machine ?? 'virt'
  // virt: its PL011. raspi3b: the mini UART (ttyS1, qemu's second serial port): the Pi 3B+'s
  // device tree gives the PL011 to Bluetooth.
  const console = machine === 'virt' ? 'console=ttyAMA0' : 'console=ttyS1,115200'
  const append = [opts.boot.cmdline, console, opts.extraAppend ?? process.env.HEARTH_BOOT_APPEND ?? ''].filter(Boolean).join(' ')
  const common = ['-nographic', '-no-reboot', '-kernel', opts.boot.kernel, '-initrd', opts.boot.initrd, '-append', append]
  const args =
    machine === 'virt'
      ? [
          '-M', 'virt', '-cpu', 'cortex-a53', '-m', '1024', '-smp', '2', ...common,
          '-drive', `file=${opts.disk},format=raw,if=none,id=sd,cache=unsafe`,
          '-device', 'virtio-blk-pci,drive=sd',
          '-netdev', `user,id=lan,${Object.entries(ports).map(([g, h]) => `hostfwd=tcp:127.0.0.1:${h}-:${g}`).join(',')}`,
          '-device', 'virtio-net-pci,netdev=lan',
        ]
      : [
          // The Pi 3B's SoC (BCM2837, 4 × Cortex-A53, 1 GiB): the SD card on its SD host controller.
          '-M', 'raspi3b', ...common, '-dtb', opts.dtb!,
          '-serial', 'null', '-serial', 'mon:stdio',
          // qemu's SD card must be a power of two in size (see raspiCard).
          '-drive', `file=${opts.disk},format=raw,if=sd,cache=unsafe`,
        ]
  const proc = spawn('nice', ['-n', '19', 'ionice', '-c3', QEMU, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const log = createWriteStream(opts.consoleLog)
  let text = ''
  let held = '' // an escape sequence cut in two by the pipe waits for its end
  const watchers = new Set<() => void>()
  const onData = (d: Buffer) => {
    log.write(d)
    const s = held + d.toString('latin1')
    const cut = /\x1b(\[[0-9;?]*)?$/.exec(s)
    held = cut ? cut[0] : ''
    text += plain(cut ? s.slice(0, cut.index) : s)
    for (const w of watchers) w()
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  let gone = false
  // 'close', not 'exit': qemu's last words (why it stopped) may still be in the pipe at 'exit'.
  proc.on('close', () => {
    gone = true
    log.end()
    for (const w of watchers) w()
  })
  const started = Date.now()
  return {
    proc,
    ports,
    append,
    started,
    console: () => text,
    exited: () => gone,
    waitFor(re, ms, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(text)
          if (m) return done(() => resolve(m))
          if (gone) return done(() => reject(new Error(`qemu exited before ${what}; console tail:\n${text.slice(-3000)}`)))
        }
        const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${ms / 1000} s; console tail:\n${text.slice(-3000)}`))), ms)
        const done = (f: () => void) => {
          clearTimeout(timer)
          watchers.delete(check)
          f()
        }
        watchers.add(check)
        check()
      })
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (gone) return resolve()
        proc.once('close', () => resolve())
        proc.kill('SIGKILL')
      }),
  }
}

/** Console text without ANSI colour codes and cursor moves (systemd's status lines use both). */
export const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')

/** Seconds since `from`, one decimal, for tap comments. */
export const since = (from: number) => ((Date.now() - from) / 1000).toFixed(1)
