import t from 'tap'
import { ptyPair, simOnPty } from '../helpers/zigbee.js'
import { Znp } from '../../src/drivers/znp/znp.js'
import { openStream } from '../../src/drivers/znp/transport.js'
import { bringUp } from '../../src/drivers/zigbee/network.js'
import { systemClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/log.js'
t.test('bring-up', async (t) => {
  const pair = await ptyPair(t)
  const { sim } = await simOnPty(t, pair)
  const znp = new Znp(await openStream(pair.hub), { clock: systemClock, log: silentLogger })
  const p = { panId: 0x1a2b, extendedPanId: '0011223344556677', networkKey: Buffer.alloc(16, 7), channel: 15 }
  const r = await bringUp(znp, p, silentLogger)
  t.equal(r.formed, true)
  const r2 = await bringUp(znp, p, silentLogger)
  t.equal(r2.formed, false)
  t.equal(sim.counters.formations, 1)
  await znp.close()
})
