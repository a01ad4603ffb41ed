import type { AccountService } from '../devices/accounts.js'
import type { Bus } from '../devices/discovery.js'
import type { DeviceStateCache } from '../devices/state-cache.js'
import type { OwnerService } from '../owner/owner.js'
import type { ConsentLedger } from './consent.js'
import type { StateHistory } from './history.js'
import { DATA_INVENTORY } from './inventory.js'
import type { WipeCounts } from './wipe-files.js'
import type { WipeService } from './wipe.js'

export interface PersonalDataDeps {
  accounts: AccountService
  owner: OwnerService
  states: DeviceStateCache
  history: StateHistory
  consent: ConsentLedger
  bus: Bus
  broker: { retainedTopics(): string[]; flush(): Promise<void> }
  wipe: Pick<WipeService, 'forgetDevice'>
  sessions: { readonly size: number }
  wallMs: () => number
}

/**
 * The owner's rights over their data (GDPR art. 15, 17, 20; EN 303 645 5.11-2): delete one
 * device with everything about it, export everything, count what a wipe would erase.
 */
export class PersonalData {
  constructor(private readonly deps: PersonalDataDeps) {}

  /**
   * Deletes a device: its account (token stops at once, clients disconnected), its retained
   * messages (state, availability, discovery), its history, its cached state, and what the
   * participants hold (a Zigbee device is told to leave). On disk before this resolves.
   */
  async deleteDevice(id: string): Promise<void> {
    const { accounts, bus, broker, history, states, wipe } = this.deps
    await accounts.remove(id)
    const mine = (topic: string) => topic.split('/').some((seg) => seg === id || seg === `hearth_${id}`)
    for (const topic of broker.retainedTopics().filter(mine)) await bus.publish(topic, '', { retain: true })
    states.forget(id)
    await history.forget(id)
    await wipe.forgetDevice(id)
    await broker.flush()
  }

  /** Everything the hub keeps about its owner, as JSON: no secrets, hashes or token verifiers. */
  export(): Record<string, unknown> {
    const { accounts, owner, states, history, consent } = this.deps
    const iso = (t: number) => new Date(t).toISOString()
    return {
      format: 'hearth-export/1',
      exportedAt: iso(this.deps.wallMs()),
      owner: owner.info,
      devices: accounts.devices().map((d) => ({
        id: d.username,
        name: d.name,
        kind: d.kind ?? 'unknown',
        createdAt: d.createdAt,
        ...(d.rotatedAt ? { tokenChangedAt: d.rotatedAt } : {}),
        ...states.get(d.username),
        history: history.get(d.username).map((p) => ({ at: iso(p.at), state: p.state })),
      })),
      accounts: accounts
        .list()
        .filter((a) => a.role !== 'device')
        .map((a) => ({ name: a.username, role: a.role, createdAt: a.createdAt })),
      consents: { current: consent.list(), history: consent.history() },
      inventory: DATA_INVENTORY,
    }
  }

  /** What a factory wipe is about to erase (numbers only, for the receipt). */
  counts(): WipeCounts {
    const all = this.deps.accounts.list()
    const devices = all.filter((a) => a.role === 'device').length
    return {
      owner: this.deps.owner.claimed,
      devices,
      accounts: all.length - devices,
      historyPoints: this.deps.history.stats().points,
      retainedMessages: this.deps.broker.retainedTopics().length,
      consents: this.deps.consent.history().length,
      sessions: this.deps.sessions.size,
    }
  }
}
