import { readFile } from 'node:fs/promises'
import os, { type NetworkInterfaceInfo } from 'node:os'
import path from 'node:path'
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js'
import type { Logger } from '../core/log.js'
import type { FirewallState } from '../policy/firewall/state.js'
import { Firewall, nftBackend, type FirewallAlert, type FirewallBackend, type FirewallStatus } from './firewall.js'
import { helperBackend } from './helper.js'
import { gatherFirewallState } from './hub-state.js'
import { nftRunner, type NftRunner } from './nft.js'

/**
 * The firewall as the composition root uses it: picks the backend from the config, gathers the
 * state from the machine, applies it, and re-gathers every `refreshSeconds` (addresses from DHCP
 * change; hostnames resolve to new addresses). Services change what only they know through
 * `setLockdown` and `setIpDevices`.
 */
export interface HubFirewallConfig {
  /** off: compute and show, never apply (development; the default). nft: apply in-process
   * (needs CAP_NET_ADMIN). helper: hand the state to hearth-firewall.service (the image). */
  mode: 'off' | 'nft' | 'helper'
  required: boolean
  /** Comma-separated lists (config leaves are scalars so they have env and flag names). */
  lanInterfaces: string
  wanInterfaces: string
  dnsServers: string
  ntpServers: string
  uplinkHosts: string
  updateHosts: string
  refreshSeconds: number
}

export interface HubFirewallDeps {
  config: HubFirewallConfig
  dataDir: string
  /** The bound ports (known only after listen). */
  listeners: () => FirewallState['listeners']
  log: Logger
  onAlert?: (alert: FirewallAlert) => void
  clock?: Clock
  /** Test seams: the machine's view. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>
  resolvConf?: () => Promise<string>
  lookup?: (host: string) => Promise<string[]>
  runner?: NftRunner
}

export interface HubFirewall {
  /** The intended policy (rules with reasons), whether it is in force, and the backend. */
  status(): FirewallStatus & { backend: HubFirewallConfig['mode'] }
  /** Re-gathers the state now and resolves once it is in force (or has failed). */
  refresh(): Promise<FirewallStatus>
  setLockdown(on: boolean): Promise<FirewallStatus>
  setIpDevices(devices: FirewallState['ipDevices']): Promise<FirewallStatus>
  close(): void
}

/** `a, b,,c` → `['a', 'b', 'c']`. */
export const parseList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0)

function backendFor(deps: HubFirewallDeps): FirewallBackend {
  switch (deps.config.mode) {
    case 'nft':
      return nftBackend(deps.runner ?? nftRunner())
    case 'helper':
      return helperBackend({ dir: path.join(deps.dataDir, 'firewall'), ...(deps.clock ? { clock: deps.clock } : {}) })
    case 'off':
      return async () => ({ applied: false, reason: 'firewall.mode is off: the policy is computed and shown, not applied', unavailable: true })
  }
}

/** Builds, applies (awaiting the first apply) and keeps the hub's firewall up to date. */
export async function startHubFirewall(deps: HubFirewallDeps): Promise<HubFirewall> {
  const clock = deps.clock ?? systemClock
  const c = deps.config
  const firewall = new Firewall({
    backend: backendFor(deps),
    log: deps.log,
    clock,
    required: c.required,
    debounceMs: 500,
    ...(deps.onAlert ? { onAlert: deps.onAlert } : {}),
  })
  let lockdown = false
  let ipDevices: FirewallState['ipDevices'] = []
  let timer: TimerHandle | undefined
  let closed = false
  const settings = {
    lanInterfaces: parseList(c.lanInterfaces),
    wanInterfaces: parseList(c.wanInterfaces),
    dnsServers: parseList(c.dnsServers),
    ntpServers: parseList(c.ntpServers),
    uplinkHosts: parseList(c.uplinkHosts),
    updateHosts: parseList(c.updateHosts),
  }
  let lastUnresolved = ''
  // Gathers and schedules (debounced). Never throws: a state that cannot be built (a bad
  // interface name in the config) is reported like a failed apply — an alert when required —
  // and the hub keeps running on whatever table the kernel already holds.
  const gather = async (): Promise<void> => {
    try {
      await gatherAndApply()
    } catch (err) {
      firewall.reportFailure(`state rejected: ${(err as Error).message}`)
    }
  }
  const gatherAndApply = async (): Promise<void> => {
    const { state, unresolved } = await gatherFirewallState(
      settings,
      { listeners: deps.listeners(), ipDevices, lockdown },
      {
        interfaces: (deps.interfaces ?? os.networkInterfaces)(),
        resolvConf: await (deps.resolvConf ?? (() => readFile('/etc/resolv.conf', 'utf8').catch(() => '')))(),
        ...(deps.lookup ? { lookup: deps.lookup } : {}),
      },
    )
    if (unresolved.length > 0 && unresolved.join() !== lastUnresolved) deps.log.warn({ unresolved }, 'firewall: hosts not resolved; they stay closed until they are')
    lastUnresolved = unresolved.join()
    firewall.apply(state)
  }
  const refresh = async (): Promise<FirewallStatus> => {
    await gather()
    return firewall.flush()
  }
  const schedule = () => {
    if (closed) return
    timer = clock.setTimeout(() => {
      void refresh().finally(schedule)
    }, c.refreshSeconds * 1000)
    timer.unref?.()
  }
  // Start-up does not wait for the backend (the helper may take seconds): the first apply runs
  // after the debounce, and its outcome shows in status() and the log.
  await gather()
  schedule()
  return {
    status: () => ({ ...firewall.status(), backend: c.mode }),
    refresh,
    // Lockdown is applied at once and awaited; device changes ride the debounce (pairing ten
    // devices is one nft run).
    setLockdown: (on) => ((lockdown = on), refresh()),
    setIpDevices: async (devices) => ((ipDevices = [...devices]), await gather(), firewall.status()),
    close: () => {
      closed = true
      if (timer) clock.clearTimeout(timer)
      firewall.close()
    },
  }
}
