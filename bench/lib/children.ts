import { spawn, type ChildProcess } from 'node:child_process'
import { waitTls } from './proc.js'

/**
 * The child processes a benchmark started: each is tracked from spawn to exit, its stderr
 * tail kept for error messages, and every one still alive is killed at the end, by pid —
 * also when the benchmark fails half-way (`stopAll` in a `finally`, `killAllSync` on exit).
 */
export class Children {
  private readonly live = new Map<ChildProcess, { name: string; tail: string }>()
  private readonly onExit = () => this.killAllSync()

  constructor() {
    process.once('exit', this.onExit)
  }

  spawn(name: string, cmd: string, args: string[]): ChildProcess {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    const entry = { name, tail: '' }
    this.live.set(p, entry)
    p.stderr!.setEncoding('utf8')
    p.stderr!.on('data', (s: string) => (entry.tail = (entry.tail + s).slice(-4000)))
    p.once('exit', () => this.live.delete(p))
    p.once('error', () => this.live.delete(p))
    return p
  }

  /** Resolves once `port` accepts TLS; rejects (with the child's stderr) if the child exits first. */
  async ready(p: ChildProcess, port: number, deadlineMs?: number): Promise<void> {
    const entry = this.live.get(p)
    const exited = new Promise<never>((_, reject) => {
      const fail = () => reject(new Error(`${entry?.name ?? 'child'} exited before it listened on ${port}:\n${entry?.tail ?? ''}`))
      if (p.exitCode !== null || p.signalCode !== null) fail()
      p.once('exit', fail)
      p.once('error', fail)
    })
    exited.catch(() => {})
    await Promise.race([waitTls(port, deadlineMs), exited])
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
  async stop(p: ChildProcess, graceMs = 3000): Promise<void> {
    if (p.exitCode !== null || p.signalCode !== null || !this.live.has(p)) return
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()))
    p.kill('SIGTERM')
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((p) => this.stop(p)))
    process.removeListener('exit', this.onExit)
  }

  killAllSync(): void {
    for (const p of this.live.keys()) p.kill('SIGKILL')
  }
}
