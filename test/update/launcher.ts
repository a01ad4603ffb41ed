import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { ReadyEvent } from '../helpers/hub-process.js'

/** The slot launcher running `hearth run --json` from `<slots>/current`, as the image's unit does. */
export interface Launched {
  proc: ChildProcess
  /** Resolves with the next hub start's ready event (each restart prints one). */
  nextReady(ms?: number): Promise<ReadyEvent & { version: string }>
  output(): string
  stop(): Promise<number | null>
  exited: Promise<number | null>
}

export function launch(slots: string, dataDir: string, extra: string[] = []): Launched {
  const args = [path.resolve('bin/hearth-launch.mjs'), '--slots', slots, '--', 'run', '--json', '--data-dir', dataDir, '--mqtt-port', '0', '--http-port', '0', '--update-slots-dir', slots, '--update-health-deadline-seconds', '20', '--log-level', 'warn', ...extra]
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HEARTH_') && k !== 'INVOCATION_ID' && k !== 'JOURNAL_STREAM'))
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let all = ''
  let pending = ''
  const readies: Array<ReadyEvent & { version: string }> = []
  const waiters: Array<(r: ReadyEvent & { version: string }) => void> = []
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    all += d
    pending += d
    let nl
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      if (!line.startsWith('{"event":"ready"')) continue
      const r = JSON.parse(line) as ReadyEvent & { version: string }
      const w = waiters.shift()
      if (w) w(r)
      else readies.push(r)
    }
  })
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (all += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)))
  return {
    proc,
    exited,
    output: () => all,
    nextReady: (ms = 20_000) =>
      readies.length > 0
        ? Promise.resolve(readies.shift()!)
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no ready event within ${ms} ms:\n${all.slice(-3000)}`)), ms)
            waiters.push((r) => (clearTimeout(timer), resolve(r)))
            void exited.then((c) => reject(new Error(`launcher exited ${c}:\n${all.slice(-3000)}`)))
          }),
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      return exited
    },
  }
}
