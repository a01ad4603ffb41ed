import { spawn, type ChildProcess } from 'node:child_process'

/** A child process spoken to in JSON lines: one request, one answer, in order. */
export interface LineChild {
  proc: ChildProcess
  first: any
  ask(req: unknown, timeoutMs?: number): Promise<any>
  close(): void
}

export function startLineChild(cmd: string[], timeoutMs = 20_000): Promise<LineChild> {
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
  let buf = ''
  let err = ''
  const waiting: Array<(line: string) => void> = []
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      waiting.shift()?.(line)
    }
  })
  const next = (ms: number) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${cmd.join(' ')}: no answer in ${ms} ms; stderr: ${err}`)), ms)
      waiting.push((line) => (clearTimeout(timer), resolve(JSON.parse(line))))
    })
  const exited = new Promise<never>((_r, reject) => proc.once('exit', (code) => reject(new Error(`${cmd.join(' ')} exited ${code}: ${err}`))))
  exited.catch(() => {})
  return Promise.race([next(timeoutMs), exited]).then((first) => ({
    proc,
    first,
    ask: (req, ms = 20_000) => {
      const p = next(ms)
      proc.stdin!.write(JSON.stringify(req) + '\n')
      return Promise.race([p, exited])
    },
    close: () => {
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
  }))
}
