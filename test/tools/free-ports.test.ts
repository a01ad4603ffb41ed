import t from 'tap'
import { createServer } from 'node:net'
import { freePort, freePorts } from '../helpers/ports.js'

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })

t.test('freePorts(n) gives n distinct ports, none of them still held', async (t) => {
  for (let round = 0; round < 20; round++) {
    const ports = await freePorts(8)
    t.equal(new Set(ports).size, 8, `round ${round}: 8 distinct ports (${ports.join(' ')})`)
    for (const p of ports) t.ok(p > 0 && p < 65536, `${p} is a port number`)
    t.same(await Promise.all(ports.map(bindable)), ports.map(() => true), 'each can be bound again at once')
  }
  t.same(await freePorts(0), [], 'zero ports: an empty list')
  t.ok(await bindable(await freePort()), 'freePort: one port, free')
})
