// `npm run bench [suite…]`: runs the benchmark suites and prints one table each. Nothing is
// asserted: the figures go into the issue notes and are compared against the reference rows.
import { benchBroker } from './broker.js'
import { benchStart } from './start.js'
import { benchWeb } from './web.js'
import { benchOutage } from './outage.js'
import { benchUpdate } from './update.js'
import { benchWipe } from './wipe.js'
import { benchZcl } from './zcl.js'
import { benchZigbee } from './zigbee.js'

const SUITES: Record<string, () => Promise<void>> = { start: benchStart, broker: benchBroker, web: benchWeb, zcl: benchZcl, zigbee: benchZigbee, wipe: benchWipe, update: benchUpdate, outage: benchOutage }

const wanted = process.argv.slice(2)
for (const name of wanted.length ? wanted : Object.keys(SUITES)) {
  const suite = SUITES[name]
  if (!suite) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(SUITES).join(', ')}`)
    process.exit(64)
  }
  await suite()
}
console.log(`\nnode ${process.version}, ${process.arch}, ${(await import('node:os')).cpus().length} cores`)
