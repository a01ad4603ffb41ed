import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on every Linux we run). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time (user + system) a process has used so far, in seconds, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  return cpuOf(`/proc/${pid}/stat`)
}

function cpuOf(file: string): number {
  const stat = readFileSync(file, 'utf8')
  // Fields after the parenthesised command name start at field 3; utime is 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / TICKS
}

/**
 * CPU time of a process's main thread only (`/proc/<pid>/task/<pid>/stat`), in seconds: for a
 * Node broker, the JavaScript, TLS and socket work without V8's helper threads (GC, compiler).
 */
export function mainThreadCpuSeconds(pid: number): number {
  return cpuOf(`/proc/${pid}/task/${pid}/stat`)
}

/**
 * Read and write system calls a process has made so far (`syscr`, `syscw` of /proc/<pid>/io):
 * per delivered message, how well a broker batches its socket I/O.
 */
export function ioSyscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN)
  return { reads: field('syscr'), writes: field('syscw') }
}

/** CPU time of this process (every thread), in seconds. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/**
 * CPU time every process on the machine has used so far (all cores, in seconds), from
 * /proc/stat: what is left after the broker's and ours is other work competing for the cores.
 */
export function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / TICKS
}

/** CPU seconds used by a broker, by this process and by everything else, between two samples. */
export interface CpuSample {
  broker: number
  own: number
  machine: number
}

export function sampleCpu(brokerPid: number): CpuSample {
  return { broker: cpuSeconds(brokerPid), own: ownCpuSeconds(), machine: machineCpuSeconds() }
}

/** Average use between two samples over `seconds`, each in % of one core; `others` is the rest of the machine. */
export function cpuUse(a: CpuSample, b: CpuSample, seconds: number): { broker: number; own: number; others: number } {
  const broker = b.broker - a.broker
  const own = b.own - a.own
  const others = Math.max(0, b.machine - a.machine - broker - own)
  return { broker: (100 * broker) / seconds, own: (100 * own) / seconds, others: (100 * others) / seconds }
}
