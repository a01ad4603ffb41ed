import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { tmpDir } from './hub-process.js'
import { ZnpSimulator } from '../../tools/znp-sim/simulator.js'
import { servePty, serveTcp, type Served } from '../../tools/znp-sim/link.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

export interface PtyPair {
  /** The hub's end (zigbee.port). */
  hub: string
  /** The simulator's end. */
  sim: string
  /** Kills socat: both ends vanish, as when the stick is pulled out. */
  unplug(): Promise<void>
  /** Starts socat again with the same link names (the stick is back). */
  replug(): Promise<void>
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * A socat pseudo-terminal pair (`socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`):
 * a real serial line for the hub on one end and the simulator on the other. A pty can't toggle
 * DTR/RTS, and nothing here needs it to.
 */
export async function ptyPair(t: Teardown): Promise<PtyPair> {
  const dir = tmpDir('hearth-zb-')
  const hub = path.join(dir, 'hub')
  const sim = path.join(dir, 'sim')
  let proc: ChildProcess | undefined
  const start = async () => {
    proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hub}`, `pty,raw,echo=0,link=${sim}`], { stdio: 'ignore' })
    await waitFor(() => existsSync(hub) && existsSync(sim), 5000, 'socat ptys')
  }
  const stop = async () => {
    const p = proc
    proc = undefined
    if (!p || p.exitCode !== null || p.signalCode !== null) return
    await new Promise<void>((r) => {
      const hard = setTimeout(() => p.kill('SIGKILL'), 2000)
      p.once('exit', () => (clearTimeout(hard), r()))
      p.kill('SIGTERM')
    })
    // socat removes its links when it exits on SIGTERM; after a SIGKILL they are left behind.
    for (const l of [hub, sim]) rmSync(l, { force: true })
  }
  await start()
  t.teardown(stop)
  return { hub, sim, unplug: stop, replug: start }
}

/** A simulator served on the pty's far end. */
export async function simOnPty(t: Teardown, pair: PtyPair, sim = new ZnpSimulator()): Promise<{ sim: ZnpSimulator; served: Served }> {
  const served = await servePty(sim, pair.sim)
  t.teardown(() => served.close())
  return { sim, served }
}

/** A simulator served on TCP 127.0.0.1:ephemeral. */
export async function simOnTcp(t: Teardown, sim = new ZnpSimulator()): Promise<{ sim: ZnpSimulator; url: string; port: number; served: Served }> {
  const served = await serveTcp(sim)
  t.teardown(() => served.close())
  return { sim, url: `tcp://127.0.0.1:${served.port}`, port: served.port, served }
}

export { waitFor, tmpDir }
