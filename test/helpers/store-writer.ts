// Child process for the power-loss test: writes a counter document as fast as it can and prints
// "ack N" after each write is durable. The parent SIGKILLs it at a random moment.
import { writeSync } from 'node:fs'
import { silentLogger } from '../../src/core/log.js'
import { Store } from '../../src/store/store.js'

interface Counter {
  n: number
  pad: string
  secret: string
}

const dir = process.argv[2]!
const store = await Store.open(dir, silentLogger)
const doc = await store.document<Counter>({ name: 'counter.json', schema: 1 }, () => ({ n: 0, pad: '', secret: '' }))
let n = doc.data.n
for (;;) {
  n++
  doc.data = { n, pad: 'x'.repeat((n * 7919) % 20000), secret: store.sealer.seal(`value-${n}`) }
  await doc.write()
  writeSync(1, `ack ${n}\n`)
}
