import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'

/**
 * Network namespaces for firewall tests: each test run makes its own, with unique names, joins
 * them with veth pairs and puts addresses (10.77.x.x, fd77::/16) only inside them. Nothing is
 * changed in the machine's own namespace. A missing tool (ip, nft, nmap) makes the command fail,
 * and so the test: CI installs them, so a missing one is a broken machine, never a reason to skip.
 */

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a program (no shell) and collects its output. A spawn error becomes code null + message. */
export function run(cmd: string[], input?: string, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (err) => (clearTimeout(timer), resolve({ code: null, stdout, stderr: `${cmd[0]}: ${err.message}` })))
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })))
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

/** Runs and throws (with the command and its stderr) unless it exits 0. */
export async function must(cmd: string[], input?: string): Promise<string> {
  const r = await run(cmd, input)
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} → ${r.code}: ${r.stderr.trim()}`)
  return r.stdout
}

/** A set of namespaces owned by one test; `cleanup()` deletes them and kills what ran inside. */
export class Lab {
  readonly tag: string
  /** `prefix` names this feature's namespaces so parallel runs of other features never collide. */
  constructor(prefix = 'hh') {
    this.tag = `${prefix}${process.pid.toString(36)}${randomBytes(3).toString('hex')}`
  }
  private readonly made: string[] = []
  private readonly children: ChildProcess[] = []

  /** The namespace name for a role (`hub` → `hh1a2b3c-hub`). */
  ns(role: string): string {
    return `${this.tag}-${role}`
  }

  /** `ip netns exec NS …` as a command prefix. */
  exec(role: string, ...cmd: string[]): string[] {
    return ['ip', 'netns', 'exec', this.ns(role), ...cmd]
  }

  // If the test process ends without its teardown (an uncaught error), still remove our namespaces.
  private readonly onExit = () => {
    for (const ns of this.made) spawnSync('ip', ['netns', 'del', ns])
  }

  async addNamespaces(...roles: string[]): Promise<void> {
    if (this.made.length === 0) process.once('exit', this.onExit)
    for (const role of roles) {
      await must(['ip', 'netns', 'add', this.ns(role)])
      this.made.push(this.ns(role))
      await must(['ip', '-n', this.ns(role), 'link', 'set', 'lo', 'up'])
    }
  }

  /** A veth pair from `a`'s `ifA` to `b`'s `ifB`, created inside `a` (never in the host namespace). */
  async link(a: string, ifA: string, b: string, ifB: string): Promise<void> {
    await must(['ip', '-n', this.ns(a), 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', this.ns(b)])
    await must(['ip', '-n', this.ns(a), 'link', 'set', ifA, 'up'])
    await must(['ip', '-n', this.ns(b), 'link', 'set', ifB, 'up'])
  }

  /** Adds addresses (nodad: usable at once, no duplicate-address-detection delay). */
  async addr(role: string, ifname: string, ...cidrs: string[]): Promise<void> {
    for (const c of cidrs) await must(['ip', '-n', this.ns(role), 'addr', 'add', c, 'dev', ifname, ...(c.includes(':') ? ['nodad'] : [])])
  }

  async route(role: string, ...args: string[]): Promise<void> {
    await must(['ip', '-n', this.ns(role), ...(args[0]!.includes(':') ? ['-6'] : []), 'route', 'add', ...args])
  }

  /** Starts `node -e script` in a namespace and waits for it to print `ready`. */
  async spawnNode(role: string, script: string, args: string[] = []): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', this.ns(role), process.execPath, '-e', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.children.push(child)
    let err = ''
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const onData = (d: string) => {
        out += d
        if (!out.includes('ready\n')) return
        child.stdout!.off('data', onData)
        resolve()
      }
      child.stdout!.setEncoding('utf8').on('data', onData)
      child.on('exit', (code) => reject(new Error(`node in ${role} exited ${code}: ${err}`)))
    })
    return child
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.pid) c.kill('SIGKILL')
    for (const ns of this.made.reverse()) await run(['ip', 'netns', 'del', ns])
    this.made.length = 0
    process.off('exit', this.onExit)
  }
}

/** A node script: plain TCP listeners on every port given (dual-stack `::`) that accept and close; exits when stdin closes. */
export const LISTENERS = `
const net = require('node:net')
process.stdin.on('end', () => process.exit(0)).resume() // the test went away: so do we
const ports = process.argv.slice(1).map(Number)
let n = 0
for (const p of ports) net.createServer((s) => { s.on('error', () => {}); s.end('hi') }).listen({ port: p, host: '::' }, () => { if (++n === ports.length) console.log('ready') })
`

export type ProbeResult = 'open' | 'refused' | 'timeout' | `error:${string}`

/**
 * A node script that stays running in a namespace: each line on stdin is a JSON request
 * `{ ms, targets: ["host,port", …] }`; it tries all targets at once and answers one JSON line.
 * Starting node in a namespace costs most of a second, so each side gets one prober, reused.
 */
const PROBER = `
const net = require('node:net')
const rl = require('node:readline').createInterface({ input: process.stdin })
rl.on('close', () => process.exit(0))
rl.on('line', (line) => {
  const { ms, targets } = JSON.parse(line)
  Promise.all(targets.map((t) => new Promise((resolve) => {
    const i = t.lastIndexOf(',')
    const s = net.connect({ host: t.slice(0, i), port: Number(t.slice(i + 1)) })
    const done = (r) => { clearTimeout(timer); s.destroy(); resolve([t, r]) }
    const timer = setTimeout(() => done('timeout'), ms)
    s.on('connect', () => done('open'))
    s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code))
  }))).then((r) => console.log(JSON.stringify(Object.fromEntries(r))))
})
console.log('ready')
`

const probers = new WeakMap<Lab, Map<string, Promise<ChildProcess>>>()

/** From a namespace, tries TCP connections to `host,port` targets; maps each to what happened. */
export async function probe(lab: Lab, role: string, targets: string[], timeoutMs = 1000): Promise<Record<string, ProbeResult>> {
  let mine = probers.get(lab)
  if (!mine) probers.set(lab, (mine = new Map()))
  if (!mine.has(role)) mine.set(role, lab.spawnNode(role, PROBER))
  const child = await mine.get(role)!
  return new Promise((resolve, reject) => {
    let buf = ''
    const onData = (d: string) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      child.stdout!.off('data', onData)
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as Record<string, ProbeResult>)
      } catch (err) {
        reject(err as Error)
      }
    }
    child.stdout!.on('data', onData)
    child.stdin!.write(JSON.stringify({ ms: timeoutMs, targets }) + '\n')
  })
}
