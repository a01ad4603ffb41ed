import t from 'tap'
import { closed, collect, nextMessage, startTestHub, subscribe } from '../helpers/test-hub.js'

// EN 303 645 5.13-1: state payloads are checked against the device kind's schema and ranges;
// refused ones are acknowledged but never delivered, never retained, and counted.
t.test('invalid, out-of-range and oversized state is refused, counted, never retained', async (t) => {
  const h = await startTestHub(t, { '--mqtt-max-packet-bytes': '4096' })
  const dev = await h.addDevice('Thermo')
  const ha = await h.addAccount('ha')
  const d = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id })
  const topic = `hearth/${dev.id}/state`
  await new Promise<void>((r) => d.publish(topic, '{"temperature":20.5,"battery":80}', { qos: 1, retain: true }, () => r()))

  const bad = [
    ['not JSON', '{"temperature":'],
    ['a JSON array', '[1,2]'],
    ['a string', '"hot"'],
    ['out of range (−60 °C)', '{"temperature":-60}'],
    ['out of range (humidity 140 %)', '{"humidity":140}'],
    ['wrong type', '{"temperature":"21"}'],
    ['unknown field', '{"temperature":21,"cmd":"rm -rf"}'],
    ['battery not an integer', '{"battery":50.5}'],
    ['empty object', '{}'],
    ['empty payload (would clear retained state)', ''],
    ['NaN-like number', '{"temperature":1e999}'],
  ] as const
  const sub = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  t.same(await subscribe(sub, { 'hearth/+/state': 1 }), [1])
  await collect(sub, 200) // the retained good value
  const watch = collect(sub, 1200)
  for (const [, payload] of bad) await new Promise<void>((r) => d.publish(topic, payload, { qos: 1, retain: true }, () => r()))
  t.same(await watch, [], 'nothing invalid was delivered')
  t.ok(d.connected, 'a device that sends a bad reading is not disconnected (QoS 1 acknowledged)')

  const late = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha-late' })
  const retained = nextMessage(late, topic)
  await subscribe(late, { 'hearth/+/state': 0 })
  const r = await retained
  t.ok(r.retain, 'retained')
  t.same(JSON.parse(r.payload), { temperature: 20.5, battery: 80 }, 'the last valid state is still the retained one')

  const status = await h.admin('status')
  t.equal(status.broker.rejectedPayload, bad.length, `every refusal counted (${bad.length})`)

  const big = JSON.stringify({ temperature: 20, pad: 'x'.repeat(8000) })
  d.publish(topic, big, { qos: 0 })
  await closed(d)
  t.equal((await h.admin('status')).broker.oversizedPackets, 1, 'an oversized packet closes the connection and is counted')
})

t.test('availability and commands are validated too', async (t) => {
  const h = await startTestHub(t)
  const plug = await h.addDevice('Plug', 'switch')
  const sensor = await h.addDevice('Sensor', 'temperature')
  const ha = await h.addAccount('ha')
  const p = await h.connect({ username: plug.id, password: plug.token, clientId: plug.id })
  await subscribe(p, { [`hearth/${plug.id}/set`]: 1 })
  const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  await subscribe(c, { 'hearth/+/availability': 0 })
  const seen = collect(p, 800)
  const seenAvail = collect(c, 800)
  c.publish(`hearth/${plug.id}/set`, '{"state":"EXPLODE"}', { qos: 1 })
  c.publish(`hearth/${plug.id}/set`, '{"state":"TOGGLE"}', { qos: 1 })
  c.publish(`hearth/${sensor.id}/set`, '{"state":"ON"}', { qos: 1 })
  c.publish('hearth/d-nosuchdevice/set', '{"state":"ON"}', { qos: 1 })
  p.publish(`hearth/${plug.id}/availability`, 'maybe', { qos: 1 })
  p.publish(`hearth/${plug.id}/availability`, 'online', { qos: 1 })
  const cmds = await seen
  t.same(
    cmds.map((m) => JSON.parse(m.payload)),
    [{ state: 'TOGGLE' }],
    'only the valid command reaches the device; a sensor takes no commands; unknown devices none',
  )
  t.same(
    (await seenAvail).map((m) => m.payload),
    ['online'],
    'availability is online or offline',
  )
})

t.test('a will must be on the device\'s own availability topic', async (t) => {
  const h = await startTestHub(t)
  const a = await h.addDevice('A')
  const b = await h.addDevice('B')
  const err = await h
    .connect({ username: a.id, password: a.token, clientId: a.id, will: { topic: `hearth/${b.id}/availability`, payload: Buffer.from('offline'), qos: 1, retain: true } })
    .then(() => 0, (e: Error & { code?: number }) => e.code)
  t.equal(err, 5, "a will on another device's topic refuses the CONNECT")
  const ha = await h.addAccount('ha')
  const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  await subscribe(c, { 'hearth/+/availability': 1 })
  const dev = await h.connect({ username: a.id, password: a.token, clientId: a.id, will: { topic: `hearth/${a.id}/availability`, payload: Buffer.from('offline'), qos: 1, retain: true } })
  const will = nextMessage(c, `hearth/${a.id}/availability`)
  ;(dev as unknown as { stream: { destroy(): void } }).stream.destroy()
  t.equal((await will).payload, 'offline', 'its own will is delivered when it drops')
})
