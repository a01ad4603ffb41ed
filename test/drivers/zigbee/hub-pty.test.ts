import t from 'tap'
import { ptyPair, simOnPty, waitFor } from '../../helpers/zigbee.js'
import { nextMessage, startTestHub } from '../../helpers/test-hub.js'
import { servePty } from '../../../tools/znp-sim/link.js'

// Issue 5, "Must show" over a real pty (socat): bring-up, pairing window, a join outside the
// window refused and alerted, a temperature report to a real MQTT subscriber, an on/off command
// reaching the simulated plug, a failed delivery as an error on the bus, removal, unplug/replug.

t.test('a hub with a coordinator on a pty', async (t) => {
  const pair = await ptyPair(t)
  const { sim } = await simOnPty(t, pair)
  const h = await startTestHub(t, { '--zigbee-port': pair.hub })
  const zb = () => h.hub.status().zigbee
  await waitFor(() => zb().online, 15_000, 'coordinator online')
  t.equal(sim.counters.formations, 1, 'first run: the hub formed a network')
  t.equal(sim.nv.get(0x0083)!.readUInt16LE(0), h.hub.identity.zigbee.panId, 'with the PAN id the identity provisioned')
  t.same(sim.nv.get(0x0062), h.hub.identity.zigbee.networkKey, 'and its sealed network key')
  t.equal(sim.joinUsesInstallCode, false, 'install-code-only mode sent (off by default)')
  t.equal(sim.lastPermitDuration, 0, 'joining closed after bring-up')

  const integ = await h.addAccount('ha')
  const c = await h.connect({ username: 'ha', password: integ.token, clientId: 'ha' })
  const clientEvents: string[] = []
  const t0 = performance.now()
  for (const ev of ['close', 'offline', 'disconnect', 'error'] as const)
    c.on(ev, (x?: unknown) => clientEvents.push(`${ev} at ${Math.round(performance.now() - t0)} ms ${x instanceof Error ? x.message : ''}`))
  await c.subscribeAsync(['hearth/+/state', 'hearth/+/availability', 'hearth/+/error'])

  await t.test('a pairing window opens and closes by itself', async (t) => {
    const s = await h.admin('pairing.open', { seconds: 2 })
    t.equal(s.open, true)
    t.equal(s.remainingSeconds, 2)
    t.equal(sim.lastPermitDuration, 2, 'the stick was told to permit joining for 2 s')
    t.ok(sim.permitJoinOpen())
    await waitFor(() => !zb().pairing.open, 4000, 'window closed')
    await waitFor(() => sim.lastPermitDuration === 0, 2000, 'permit join 0 sent')
    t.equal((await h.admin('pairing.status')).open, false)
    await t.rejects(h.admin('pairing.open', { seconds: 255 }), /254|maximum/, '255 ("forever") is refused')
  })

  await t.test('a join outside a window is refused and alerted', async (t) => {
    const dev = sim.join('temperature', { force: true })!
    t.ok(dev, 'a device joins through a router that still permits')
    await waitFor(() => !sim.devices.has(dev.ieee), 3000, 'device told to leave')
    t.equal(sim.counters.leaves, 1)
    const ev = zb().securityEvents
    t.equal(ev.length, 1, 'one security event')
    t.equal(ev[0]!.type, 'zigbee-join-refused')
    t.equal(ev[0]!.detail.ieee, dev.ieee)
    t.equal((await h.admin('device.list')).length, 0, 'nothing registered')
  })

  let sensorId = ''
  await t.test('a temperature report reaches an MQTT subscriber as validated state', async (t) => {
    await h.admin('pairing.open', { seconds: 60 })
    const dev = sim.join('temperature')!
    await waitFor(() => zb().stats['joined'] === 1, 8000, 'interview done')
    const list = await h.admin('device.list')
    t.equal(list.length, 1)
    sensorId = list[0].username
    t.equal(list[0].kind, 'temperature')
    t.equal(list[0].name, 'Hearth Sim SIM-TEMPERATURE', 'named from genBasic')
    t.same(list[0].zigbee, { ieee: dev.ieee })
    t.ok(dev.bindings.has(0x0402) && dev.reporting.has(0x0402), 'bound and reporting configured')
    const msg = nextMessage(c, `hearth/${sensorId}/state`, 3000)
    sim.report(dev, dev.set(0x0402, 0x0000, 2150))
    const state = JSON.parse((await msg).payload)
    t.equal(state.temperature, 21.5, 'the report, in °C')
    t.equal(state.humidity, 45, 'merged with the state read at the interview')
    // The unknown sentinel (0x8000) is rejected, never published.
    const before = zb().stats['reports.rejectedValues']!
    sim.report(dev, dev.set(0x0402, 0x0000, -32768))
    await waitFor(() => zb().stats['reports.rejectedValues']! > before, 2000, 'sentinel counted')
    await h.admin('pairing.close')
  })

  let plugId = ''
  await t.test('an on/off command from MQTT reaches the simulated plug', async (t) => {
    await h.admin('pairing.open', { seconds: 60 })
    const plug = sim.join('plug')!
    await waitFor(() => zb().stats['joined'] === 2, 8000, 'plug interviewed')
    plugId = (await h.admin('device.list')).find((d: { kind: string }) => d.kind === 'switch').username
    const state = nextMessage(c, `hearth/${plugId}/state`, 3000)
    await c.publishAsync(`hearth/${plugId}/set`, JSON.stringify({ state: 'ON' }), { qos: 1 })
    await waitFor(() => plug.get(0x0006, 0) === true, 3000, 'the plug switched on')
    t.ok(plug.received.includes('on'))
    t.same(JSON.parse((await state).payload), { state: 'ON' }, 'its report comes back as state')
    // Out of reach: the failed AF_DATA_CONFIRM comes back as an error on the bus.
    plug.reachable = false
    const err = nextMessage(c, `hearth/${plugId}/error`, 5000)
    await c.publishAsync(`hearth/${plugId}/set`, JSON.stringify({ state: 'OFF' }), { qos: 1 })
    const e = JSON.parse((await err).payload)
    t.equal(e.code, 'HUB_ERR_ZIGBEE_REFUSED')
    t.match(e.message, /0xe9/)
    plug.reachable = true
    await h.admin('pairing.close')
  })

  await t.test('removing a device makes it leave the network', async (t) => {
    const ieee = (await h.admin('device.list')).find((d: { username: string }) => d.username === plugId).zigbee.ieee
    await h.admin('device.remove', { id: plugId })
    await waitFor(() => !sim.devices.has(ieee), 3000, 'plug left')
    await waitFor(() => zb().stats['removed'] === 1, 3000, 'forgotten')
    t.equal(zb().stats['devices'], 1, 'one device left in the registry')
  })

  await t.test('unplug and replug: the hub keeps running and recovers', async (t) => {
    const hubSeen: string[] = []
    h.hub.bus().subscribe(`hearth/${sensorId}/availability`, (_t, p) => hubSeen.push(p.toString()))
    const avail = nextMessage(c, `hearth/${sensorId}/availability`, 15_000)
    avail.catch(() => {}) // awaited below, after the unplug: a timeout meanwhile is not "unhandled"
    await pair.unplug()
    // On a failure, what the hub and the test's client saw (the failure seen once in ~10 full runs).
    // In the failure's own message: CI's log summary prints the failing line, not the comments before it.
    const explain = (e: Error) => {
      const seen = { clientConnected: c.connected, clientEvents, at: Math.round(performance.now() - t0), hubSeen, zigbee: { ...zb(), securityEvents: [] } }
      throw new Error(`${e.message} | ${JSON.stringify(seen)} | hub log: ${h.recentLog().slice(-15).join(' ‖ ')}`)
    }
    await waitFor(() => !zb().online, 15_000, 'coordinator offline').catch(explain)
    t.equal((await avail.catch(explain)).payload, 'offline', 'devices shown offline')
    t.equal((await h.admin('status')).zigbee.online, false, 'the admin socket still answers')
    await t.rejects(h.admin('pairing.open', { seconds: 10 }), /offline/)
    await pair.replug()
    const served = await servePty(sim, pair.sim)
    t.teardown(() => served.close())
    await waitFor(() => zb().online, 20_000, 'coordinator back')
    t.equal(sim.counters.formations, 1, 'resumed, not re-formed')
    t.ok(zb().stats['reopens']! >= 1, 'reopened with backoff')
  })
  c.end(true)
})
