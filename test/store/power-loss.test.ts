import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { silentLogger } from '../../src/core/log.js'
import { Store } from '../../src/store/store.js'

// Spawns many real processes: on a loaded 2-core CI machine this file needs more than tap's default.
t.setTimeout(300_000)

// Runs the built child (npm test builds first): a real process, really SIGKILLed.
const CHILD = path.resolve('dist/test/helpers/store-writer.js')
const RUNS = Number(process.env.HEARTH_POWER_LOSS_RUNS ?? 200)

/**
 * Kills the writer `killAfterMs` after spawn (during start-up) or, with `afterFirstAck`, that
 * long after its first durable write (in the write loop).
 */
function runAndKill(dir: string, killAfterMs: number, afterFirstAck: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let lastAck = 0
    let buf = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const l of lines)
        if (l.startsWith('ack ')) {
          if (afterFirstAck && !timer) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
          lastAck = Number(l.slice(4))
        }
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    let timer = afterFirstAck ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code}: ${err}`))
      resolve(lastAck)
    })
  })
}

/** One lane: its own data dir, RUNS/2 kills in a row. Two lanes run at once (2 cores). */
async function lane(runs: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-powerloss-'))
  let acked = 0
  let failures = 0
  let fallbacks = 0
  for (let i = 0; i < runs; i++) {
    // A quarter of the kills land during start-up (reading key and documents), the rest
    // anywhere in the first 150 ms of the write loop.
    const ack = i % 4 === 0 ? await runAndKill(dir, Math.random() * 250, false) : await runAndKill(dir, Math.random() * 150, true)
    acked = Math.max(acked, ack)
    const warnings: string[] = []
    const log = { ...silentLogger, warn: (o: unknown, m?: string) => void warnings.push(String(m ?? o)), child: () => log }
    const store = await Store.open(dir, log as typeof silentLogger)
    const doc = await store.document<{ n: number; secret: string }>({ name: 'counter.json', schema: 1 }, () => ({ n: 0, secret: '' }))
    fallbacks += warnings.length
    if (doc.data.n < acked) failures++
    if (doc.data.n > 0 && store.sealer.openText(doc.data.secret) !== `value-${doc.data.n}`) failures++
    acked = Math.max(acked, doc.data.n)
    store.close()
  }
  return { acked, failures, fallbacks }
}

t.test(`SIGKILL at ${RUNS} random moments: every acknowledged write survives, the store always loads`, async (t) => {
  const lanes = await Promise.all([lane(Math.ceil(RUNS / 2)), lane(Math.floor(RUNS / 2))])
  const failures = lanes.reduce((a, l) => a + l.failures, 0)
  const fallbacks = lanes.reduce((a, l) => a + l.fallbacks, 0)
  const acked = Math.min(...lanes.map((l) => l.acked))
  t.equal(failures, 0, `no lost acknowledged write in ${RUNS} kills (last value ${acked}, fallbacks to previous generation: ${fallbacks})`)
  t.ok(acked > RUNS, `the child made real progress between kills (${acked} writes in the slowest lane)`)
})
