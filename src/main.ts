#!/usr/bin/env node
import path from 'node:path'
import { parseArgs } from './cli/args.js'
import { COMMANDS } from './cli/commands.js'
import { manage, MANAGE_VALUE_FLAGS } from './cli/manage.js'
import { owner } from './cli/owner.js'
import { uplink, UPLINK_VALUE_FLAGS } from './cli/uplink.js'
import { policy } from './cli/policy.js'
import { wipe } from './cli/wipe.js'
import { pair } from './cli/pair.js'
import { update } from './cli/update.js'
import { provision } from './cli/provision.js'
import { configHelp, USAGE } from './cli/help.js'
import { processIo, reportError, type Io } from './cli/output.js'
import type { Config } from './core/config-schema.js'
import { HubError } from './core/errors.js'
import type { Logger } from './core/log.js'
import type { RunningHub } from './hub.js'
import { loadConfig } from './system/load-config.js'
import { createRootLogger } from './system/logger.js'

/** Under systemd the banner goes to the journal: keep the setup code out of it (EN 303 645 5.4). */
const underServiceManager = (env: NodeJS.ProcessEnv) => Boolean(env.INVOCATION_ID || env.JOURNAL_STREAM)

function banner(hub: RunningHub, config: Config, json: boolean, env: NodeJS.ProcessEnv): string {
  const s = hub.status()
  const showCode = !s.claimed && !underServiceManager(env)
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? s.hostname + '.local' : config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host
  const url = `https://${host === '127.0.0.1' ? 'localhost' : host}:${s.listeners.https.port}/`
  if (json)
    return JSON.stringify({ event: 'ready', url, ...(showCode ? { setupCode: hub.identity.setupCode } : {}), ...s })
  const lines = [`Hearth ${s.version} is running (hub ${s.hubId.slice(0, 8)}).`, `  Web setup:   ${url}`]
  if (!s.claimed)
    lines.push(showCode ? `  Setup code:  ${hub.identity.setupCode}   (one-time: you need it to claim this hub)` : '  Setup code:  run `hearth setup-code` on the box')
  lines.push(
    `  Certificate: SHA-256 ${s.tlsFingerprint}`,
    `  MQTTS:       ${s.listeners.mqtts.host}:${s.listeners.mqtts.port}`,
    `  Data dir:    ${s.dataDir}`,
    'Stop with Ctrl+C.',
  )
  return lines.join('\n')
}

/** Exit status that asks the slot launcher to start the hub again (docs/updates.md). */
const EXIT_RESTART = 99

/** `hearth run`: start, print where setup is once, stop cleanly on SIGINT/SIGTERM in < 2 s. */
async function run(config: Config, json: boolean, io: Io, log: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  process.umask(0o077)
  const t0 = performance.now()
  // Loaded only to run the hub: CLI commands stay quick to start.
  const { startHub } = await import('./hub.js')
  let fatal: (code: number) => void = () => {}
  // An installed update (or a rollback) asks to be started again from the current slot: stop
  // like on SIGTERM and exit EXIT_RESTART, which the slot launcher (bin/hearth-launch.mjs) restarts.
  let restartWith: ((reason: string) => void) | undefined
  let pendingRestart: string | undefined
  const hub = await startHub(config, log, {
    // Tests only: slows the factory wipe's steps so a test can SIGKILL it at each of them.
    wipeStepDelayMs: Number(env.HEARTH_TEST_WIPE_STEP_DELAY_MS ?? 0) || 0,
    onFatal: () => fatal(70),
    restart: (reason) => (restartWith ? restartWith(reason) : (pendingRestart = reason)),
  })
  log.info({ ms: Math.round(performance.now() - t0), ...hub.status().listeners }, 'hub ready')
  io.out(banner(hub, config, json, process.env))
  return new Promise((resolve) => {
    fatal = resolve
    let stopping = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return resolve(130)
      stopping = true
      log.info({ signal }, 'stopping')
      const deadline = setTimeout(() => {
        log.warn('stop took too long; exiting anyway')
        resolve(0)
      }, 1500)
      deadline.unref()
      void hub.stop().then(() => {
        clearTimeout(deadline)
        log.info('stopped')
        resolve(0)
      })
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    restartWith = (reason) => {
      if (stopping) return
      stopping = true
      log.warn({ reason }, 'restarting')
      void hub.stop().then(() => resolve(EXIT_RESTART))
    }
    if (pendingRestart) restartWith(pendingRestart)
  })
}

/** The `hearth` command. Only this function decides the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Io = processIo): Promise<number> {
  let json = argv.includes('--json')
  try {
    const args = parseArgs(argv, new Set([...MANAGE_VALUE_FLAGS, ...UPLINK_VALUE_FLAGS]))
    json = args.json
    const command = args.command || 'help'
    if (args.help || command === 'help') {
      io.out(USAGE + '\n' + configHelp())
      return 0
    }
    const isManage = command === 'device' || command === 'account'
    if (command !== 'run' && !isManage && !['owner', 'policy', 'firewall-apply', 'wipe', 'pair', 'update', 'uplink', 'provision'].includes(command) && !COMMANDS[command]) throw new HubError('HUB_ERR_USAGE', `unknown command ${command} (see hearth --help)`)
    const config = await loadConfig(args.configFlags, env)
    if (command === 'run') {
      const log = createRootLogger(config.log.level, 2)
      try {
        return await run(config, json, io, log, env)
      } catch (err) {
        if (!(err instanceof HubError)) log.fatal({ err }, 'hub failed to start')
        throw err
      }
    }
    if (command === 'firewall-apply') {
      // Run by hearth-firewall.service (CAP_NET_ADMIN only): compile the state the hub wrote, apply, verify, answer.
      const { runFirewallHelper } = await import('./net/helper.js')
      const { nftRunner } = await import('./net/nft.js')
      const r = await runFirewallHelper({ dir: path.join(config.dataDir, 'firewall'), run: nftRunner() })
      if (!r.applied) throw new HubError('HUB_ERR_FIREWALL_APPLY', `firewall not applied: ${r.reason}`)
      io.out(json ? JSON.stringify(r) : `firewall applied (sha256 ${r.digest.slice(0, 12)})`)
      return 0
    }
    if (command === 'policy') await policy(config, args.positional, json, io)
    else if (command === 'update') await update(config, args, json, io)
    else if (command === 'provision') await provision(config, args.positional, json, io)
    else if (isManage) await manage(command, config, args, json, io)
    else if (command === 'owner') await owner(config, args, json, io)
    else if (command === 'wipe') await wipe(config, args, json, io)
    else if (command === 'pair') await pair(config, args, json, io)
    else if (command === 'update') await update(config, args, json, io)
    else if (command === 'uplink') await uplink(config, args, json, io)
    else await COMMANDS[command]!(config, json, io)
    return 0
  } catch (err) {
    return reportError(io, err, json)
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (isEntry) {
  process.on('uncaughtException', (err) => {
    process.stderr.write(`hearth: internal error: ${err.message}\n`)
    process.exit(70)
  })
  void main(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code
    // Let logs flush, then leave even if a stray handle remains.
    setTimeout(() => process.exit(code), 200).unref()
  })
}
