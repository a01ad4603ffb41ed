// `npm run bench [suite…]`: runs the benchmark suites and prints one table each. Nothing is
// asserted: the figures go into the issue notes and are compared against the reference rows.
import { benchBroker } from './broker.js'
import { benchBrokerInstr } from './broker-instr.js'
import { benchStart } from './start.js'
import { benchWeb } from './web.js'
import { benchOutage } from './outage.js'
import { benchUpdate } from './update.js'
import { benchWipe } from './wipe.js'
import { benchZcl } from './zcl.js'
import { benchZigbee } from './zigbee.js'

const SUITES: Record<string, () => Promise<void>> = { start: benchStart, broker: benchBroker, 'broker-instr': benchBrokerInstr, web: benchWeb, zcl: benchZcl, zigbee: benchZigbee, wipe: benchWipe, update: benchUpdate, outage: benchOutage }

const wanted = process.argv.slice(2)
/** Slow suites that run only when named (broker-instr runs the brokers under valgrind: ~10 min). */
const ON_REQUEST = new Set(['broker-instr'])
for (const name of wanted.length ? wanted : Object.keys(SUITES).filter((s) => !ON_REQUEST.has(s))) {
  const suite = SUITES[name]
  if (!suite) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(SUITES).join(', ')}`)
    process.exit(64)
  }
  await suite()
}
console.log(`\nnode ${process.version}, ${process.arch}, ${(await import('node:os')).cpus().length} cores`)
