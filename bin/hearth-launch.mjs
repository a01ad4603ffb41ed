#!/usr/bin/env node
// The A/B slot launcher (docs/updates.md). It lives OUTSIDE the slots (the image installs it as
// /opt/hearth/hearth-launch.mjs) and depends on nothing but Node itself, so a broken new version
// cannot take it down. It runs `<slots>/current/bin/hearth.js <args>` and supervises a trial:
//   - before a trial boot it counts the boot in state.json; a second boot of the same unconfirmed
//     trial (the first one died, or the box lost power) rolls back;
//   - if the hub exits, or the health deadline passes, before the hub confirmed itself healthy,
//     it switches `current` back to the previous slot, records why, and starts that;
//   - exit 99 from the hub means "restart me" (an update was installed, or the hub rolled itself
//     back after a failed health check).
// Any other exit ends the launcher with the hub's code (systemd restarts the service).
//
//   node hearth-launch.mjs --slots /opt/hearth/slots -- run [hearth options]
import { spawn } from 'node:child_process'
import { closeSync, fsyncSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const EXIT_RESTART = 99

const argv = process.argv.slice(2)
const sep = argv.indexOf('--')
const own = sep >= 0 ? argv.slice(0, sep) : argv
const hubArgs = sep >= 0 ? argv.slice(sep + 1) : ['run']
const slotsAt = own.indexOf('--slots')
if (slotsAt < 0 || !own[slotsAt + 1]) {
  process.stderr.write('usage: hearth-launch.mjs --slots DIR -- <hearth arguments>\n')
  process.exit(64)
}
const slots = path.resolve(own[slotsAt + 1])
const stateFile = path.join(slots, 'state.json')
const say = (msg) => process.stderr.write(`hearth-launch: ${msg}\n`)

function fsyncDir(dir) {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function readState() {
  try {
    const s = JSON.parse(readFileSync(stateFile, 'utf8'))
    return s && s.format === 1 ? s : { format: 1 }
  } catch {
    return { format: 1 }
  }
}

function writeState(s) {
  const tmp = `${stateFile}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w', 0o644)
  try {
    writeFileSync(fd, JSON.stringify(s, null, 2) + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, stateFile)
  fsyncDir(slots)
}

function current() {
  try {
    const t = readlinkSync(path.join(slots, 'current'))
    return t === 'a' || t === 'b' ? t : undefined
  } catch {
    return undefined
  }
}

function switchTo(slot) {
  const tmp = path.join(slots, `current.tmp-${process.pid}`)
  rmSync(tmp, { force: true })
  symlinkSync(slot, tmp)
  renameSync(tmp, path.join(slots, 'current'))
  fsyncDir(slots)
}

function rollback(trial, reason) {
  say(`rolling back to slot ${trial.previous}: ${reason}`)
  switchTo(trial.previous)
  writeState({ format: 1, last: { ok: false, version: trial.version, fromVersion: trial.fromVersion, at: new Date().toISOString(), reason } })
}

let stopping = false
let child
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'])
  process.on(sig, () => {
    stopping = true
    if (child && child.exitCode === null) child.kill(sig)
    else process.exit(0)
  })

const restarts = []
for (;;) {
  const state = readState()
  const slot = current()
  if (!slot) {
    say(`no app installed: ${path.join(slots, 'current')} does not point to slot a or b`)
    process.exit(69)
  }
  let trial = state.trial
  if (trial && trial.slot !== slot) {
    // Recorded but never switched to (interrupted), or already undone: nothing is on trial.
    delete state.trial
    writeState(state)
    trial = undefined
  } else if (trial && trial.boots >= 1) {
    rollback(trial, 'the new version did not confirm its health (it stopped, or the box restarted, before the health check passed)')
    continue
  } else if (trial) {
    trial.boots += 1
    writeState(state)
  }
  const started = Date.now()
  const running = spawn(process.execPath, [path.join(slots, 'current', 'bin', 'hearth.js'), ...hubArgs], { stdio: 'inherit' })
  child = running
  let deadlineHit = false
  const timer = trial
    ? setTimeout(() => {
        const now = readState()
        if (!now.trial || now.trial.slot !== slot) return
        deadlineHit = true
        say(`no health confirmation from version ${trial.version} within ${trial.deadlineSeconds} s`)
        // This child, not whichever runs by the time the grace period ends.
        running.kill('SIGTERM')
        setTimeout(() => running.exitCode === null && running.signalCode === null && running.kill('SIGKILL'), 5000).unref()
      }, trial.deadlineSeconds * 1000)
    : undefined
  const code = await new Promise((resolve) => running.once('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1))))
  if (timer) clearTimeout(timer)
  if (stopping) process.exit(code)
  const after = readState()
  if (after.trial && after.trial.slot === slot) {
    rollback(after.trial, deadlineHit ? `no healthy confirmation within ${after.trial.deadlineSeconds} s` : `the new version exited (code ${code}) before its health check passed`)
    continue
  }
  if (code !== EXIT_RESTART) process.exit(code)
  // Restart requested. Guard against a loop: at most 5 in a minute.
  restarts.push(started)
  while (restarts.length && restarts[0] < Date.now() - 60_000) restarts.shift()
  if (restarts.length > 5) {
    say('the hub asked for a restart more than 5 times in a minute; giving up')
    process.exit(75)
  }
}
