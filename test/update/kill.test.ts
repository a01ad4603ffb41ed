import t from 'tap'
import { spawn } from 'node:child_process'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { verifyBundle } from '../../src/update/bundle.js'
import { installBundle } from '../../src/update/install.js'
import { checkIntegrity } from '../../src/update/integrity.js'
import { currentSlot, slotDir } from '../../src/update/slots.js'
import { releaseKey, testBundle, updateTmp } from '../helpers/update-slots.js'

/**
 * SIGKILL at random points of an install (50 runs): afterwards `current` always points to a
 * complete slot whose every file matches its signed manifest, and the next install succeeds.
 * The installer is the real one (dist/app/install-slot.mjs, the code `hearth update
 * apply` runs), from a build that ships the test key.
 */
const RUNS = Number(process.env.HEARTH_TEST_KILL_RUNS ?? 50)
// Fifty process starts: on a loaded two-core CI machine that can take minutes.
t.setTimeout(900_000)

t.test('SIGKILL during install always leaves a working slot', async (t) => {
  const key = releaseKey()
  const tmp = updateTmp('k-')
  t.teardown(() => fsp.rm(tmp, { recursive: true, force: true }))
  // The installer program: a slots dir of its own holding the full test build.
  const toolSlots = path.join(tmp, 'tool')
  const seed = async (slots: string, bundle: string) =>
    installBundle(await verifyBundle(bundle, { trusted: key.trusted, installed: undefined }), { trusted: key.trusted, installed: undefined, slotsDir: slots, healthDeadlineSeconds: 30, wallMs: Date.now() })
  const t0 = performance.now()
  await seed(toolSlots, await testBundle(tmp, key, '1.0.0'))
  t.comment(`set-up ${Math.round(performance.now() - t0)} ms`)
  // What it installs: the program without the UI (package.json, bin/, the bundle in dist/app —
  // enough for \`hearth --help\` and the installer itself), ~15 files: every install fsyncs each
  // file. Starting the full app from a slot is what slots.test.ts shows.
  const core = (f: { path: string }) => /^(package\.json|bin\/|dist\/app\/)/.test(f.path)
  const bundles = [await testBundle(tmp, key, '1.0.0', { edit: (f) => f.filter(core) }), await testBundle(tmp, key, '2.0.0', { edit: (f) => f.filter(core) })]
  const tool = path.join(toolSlots, 'a', 'dist/app/install-slot.mjs')
  const slots = path.join(tmp, 'slots')
  await seed(slots, bundles[0]!)

  let verifyingAt = 0
  const run = (bundle: string, killAfterMs?: number) =>
    new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [tool, '--slots', slots, '--allow-downgrade', bundle], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d
        if (out.includes('verifying') && !verifyingAt) verifyingAt = performance.now()
        // Time the kill from the moment the installer starts verifying (process start-up varies).
        if (killAfterMs !== undefined && out.includes('verifying') && !(p as { armed?: boolean }).armed) {
          ;(p as { armed?: boolean }).armed = true
          setTimeout(() => p.kill('SIGKILL'), killAfterMs)
        }
      })
      p.stderr.setEncoding('utf8').on('data', (d: string) => (out += d))
      p.once('exit', (code, signal) => resolve({ code, signal, out }))
    })

  // One full run measures how long an install takes; kills then land uniformly over 1.5× that
  // span (re-measured after every run that finished), so some runs die before the switch, some
  // after it, and some finish.
  const full = await run(bundles[1]!)
  let span = performance.now() - verifyingAt
  t.equal(full.code, 0, full.out)
  t.equal(await currentSlot(slots), 'b')

  let killed = 0
  let finished = 0
  const working = new Set<string>()
  for (let i = 0; i < RUNS; i++) {
    verifyingAt = 0
    const r = await run(bundles[i % 2]!, Math.random() * 1.5 * span)
    if (r.signal === 'SIGKILL') killed++
    else {
      t.equal(r.code, 0, r.out)
      finished++
      span = performance.now() - verifyingAt
    }
    const cur = await currentSlot(slots)
    if (!cur) {
      t.fail(`run ${i}: current points nowhere`)
      continue
    }
    const integrity = await checkIntegrity(slotDir(slots, cur), key.trusted)
    if (integrity.status !== 'verified') t.fail(`run ${i}: current slot ${cur} is not intact: ${JSON.stringify(integrity)}`)
    else working.add(integrity.version)
  }
  t.comment(`an install takes ${Math.round(span)} ms from verifying to done; kills uniformly in that span`)
  t.ok(killed >= RUNS / 3, `many runs were killed mid-way (${killed}/${RUNS}; ${finished} finished)`)
  t.comment(`versions found working after a kill: ${[...working].sort().join(', ')}`)
  // The slot in force still loads and runs.
  const cur = path.join(slots, 'current', 'bin', 'hearth.js')
  const help = await new Promise<number | null>((resolve) => spawn(process.execPath, [cur, '--help'], { stdio: 'ignore' }).once('exit', resolve))
  t.equal(help, 0, 'the current slot runs')
  // And a clean install after all that succeeds.
  t.equal((await run(bundles[0]!)).code, 0, 'an install after the kills succeeds')
})
