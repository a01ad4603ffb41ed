import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { productionNodeFlags } from '../../tools/node-flags.js'

/** The built entry point (npm test builds first). Tests drive the real program. */
export const MAIN = path.resolve('dist/app/hearth.mjs')
/** …with the V8 flags it runs with in production (`npm start`; Node 24's default young generation is far larger). */
export const HUB_FLAGS = productionNodeFlags()

export interface ReadyEvent {
  event: 'ready'
  url: string
  setupCode?: string
  hubId: string
  pid: number
  dataDir: string
  tlsFingerprint: string
  listeners: { mqtts: { host: string; port: number }; https: { host: string; port: number } }
}

export interface HubProcess {
  proc: ChildProcess
  ready: ReadyEvent
  dataDir: string
  stderr(): string
  /** Sends a signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>
}

export const tmpDir = (prefix = 'hearth-test-') => mkdtempSync(path.join(os.tmpdir(), prefix))

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HEARTH_') && k !== 'INVOCATION_ID' && k !== 'JOURNAL_STREAM'))

/** Starts `hearth run --json` on ephemeral ports and waits for its ready event. */
export function startHubProcess(
  opts: {
    dataDir?: string
    args?: string[]
    env?: Record<string, string>
    timeoutMs?: number
    /** e.g. `ip netns exec NS` */ wrap?: string[]
    /** Another copy of the program (an installed slot); default MAIN. */ main?: string
  } = {},
): Promise<HubProcess> {
  const dataDir = opts.dataDir ?? path.join(tmpDir(), 'data')
  const args = [opts.main ?? MAIN, 'run', '--json', '--data-dir', dataDir, '--mqtt-port', '0', '--http-port', '0', ...(opts.args ?? [])]
  const cmd = [...(opts.wrap ?? []), process.execPath, ...HUB_FLAGS, ...args]
  const proc = spawn(cmd[0]!, cmd.slice(1), { env: { ...cleanEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`hub not ready in time: ${err}`))
    }, opts.timeoutMs ?? 30_000)
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'))
      if (!line) return
      clearTimeout(timer)
      out = ''
      resolve({
        proc,
        ready: JSON.parse(line) as ReadyEvent,
        dataDir,
        stderr: () => err,
        async stop(signal = 'SIGTERM') {
          if (proc.exitCode !== null) return { code: proc.exitCode, ms: 0 }
          const t0 = performance.now()
          proc.kill(signal)
          const code = await exited
          return { code, ms: performance.now() - t0 }
        },
      })
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`hub exited ${code} before ready: ${err}`))
    })
  })
}

/** Runs one `hearth` CLI command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [MAIN, ...args], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    proc.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
