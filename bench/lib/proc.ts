import { readFileSync } from 'node:fs'
import { connect } from 'node:tls'
import path from 'node:path'

/** The program `npm start`, the `hearth` command and the image run: the bundle (tools/bundle.mjs). */
export const HUB_MAIN = path.resolve(process.env.BENCH_HUB_MAIN ?? 'dist/app/hearth.mjs')

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

export { freePort, freePorts } from '../../test/helpers/ports.js'

/** Resolves once a TLS handshake to host:port completes (polling every 5 ms). */
export async function waitTls(port: number, deadlineMs = 20_000): Promise<void> {
  const end = performance.now() + deadlineMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => (s.destroy(), resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (performance.now() > end) throw new Error(`port ${port} never accepted TLS`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
