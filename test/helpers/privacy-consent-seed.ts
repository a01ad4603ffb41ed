import { FakeClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
import { ConsentLedger } from '../../src/privacy/consent.js'
import { Store } from '../../src/store/store.js'
import { CANARY } from './privacy-seed.js'

/** Records a consent with a canary detail (as the uplink feature would) while the hub is stopped. */
export async function consentSeed(dataDir: string): Promise<void> {
  const store = await Store.open(dataDir, silentLogger)
  const ledger = await ConsentLedger.open(store, { clock: new FakeClock(Date.UTC(2026, 0, 1)) })
  await ledger.grant('uplink', CANARY.consent, 'owner')
  store.close()
}
