import t from 'tap'
import { collect, nextMessage, startTestHub, subscribe } from '../helpers/test-hub.js'

// Security must not break MQTT 3.1.1: what the standard allows keeps working as it says.
t.test('QoS 0/1/2, retained, unsubscribe, overlapping subscriptions, keepalive', async (t) => {
  const h = await startTestHub(t)
  const dev = await h.addDevice('Sensor')
  const ha = await h.addAccount('ha')
  const topic = `hearth/${dev.id}/state`
  const d = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id, keepalive: 2 })
  const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha' })

  t.same(await subscribe(c, { 'hearth/+/state': 2 }), [2], 'QoS 2 granted')
  for (const qos of [0, 1, 2] as const) {
    const got = nextMessage(c, topic)
    d.publish(topic, JSON.stringify({ temperature: qos }), { qos })
    const m = await got
    t.equal(m.qos, qos, `QoS ${qos} delivered at QoS ${qos}`)
    t.same(JSON.parse(m.payload), { temperature: qos })
  }

  t.test('overlapping subscriptions deliver at the maximum granted QoS [MQTT-3.3.5-1]', async (t) => {
    const o = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha-overlap' })
    t.same(await subscribe(o, { 'hearth/+/state': 0, [topic]: 1 }), [0, 1])
    const seen = collect(o, 500)
    d.publish(topic, '{"temperature":7}', { qos: 1 })
    const msgs = await seen
    t.ok(msgs.length >= 1, 'delivered')
    t.ok(msgs.some((m) => m.qos === 1), `one copy at QoS 1 (copies: ${msgs.map((m) => m.qos).join(',')})`)
  })

  t.test('unsubscribe stops delivery', async (t) => {
    await new Promise<void>((r) => c.unsubscribe('hearth/+/state', () => r()))
    const seen = collect(c, 400)
    d.publish(topic, '{"temperature":8}', { qos: 1 })
    t.same(await seen, [])
  })

  t.test('retained: a new subscriber gets the last retained state at once', async (t) => {
    await new Promise<void>((r) => d.publish(topic, '{"temperature":9}', { qos: 1, retain: true }, () => r()))
    const n = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha-new' })
    const got = nextMessage(n, topic)
    await subscribe(n, { 'hearth/+/state': 1 })
    const m = await got
    t.ok(m.retain)
    t.same(JSON.parse(m.payload), { temperature: 9 })
  })

  t.test('keepalive: an idle but pinging client stays connected', async (t) => {
    await new Promise((r) => setTimeout(r, 3500))
    t.ok(d.connected, 'still connected after more than one keepalive period')
  })
})

t.test('persistent sessions: QoS 1 messages wait for an offline subscriber', async (t) => {
  const h = await startTestHub(t)
  const dev = await h.addDevice('Plug', 'switch')
  const ha = await h.addAccount('ha')
  const p = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id, clean: false })
  t.same(await subscribe(p, { [`hearth/${dev.id}/set`]: 1 }), [1])
  p.end(true)
  const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  await new Promise<void>((r) => c.publish(`hearth/${dev.id}/set`, '{"state":"ON"}', { qos: 1 }, () => r()))
  const got = new Promise<string>((resolve) => {
    void h.connect({ username: dev.id, password: dev.token, clientId: dev.id, clean: false }, (_t, payload) => resolve(payload.toString()))
  })
  t.same(JSON.parse(await got), { state: 'ON' }, 'the command queued while offline arrives on reconnect')
})

t.test('retained state and persistent subscriptions survive a hub restart', async (t) => {
  const first = await startTestHub(t, { '--mqtt-persist-interval-ms': '100' })
  const dev = await first.addDevice('Thermo')
  const plug = await first.addDevice('Plug', 'switch')
  const d = await first.connect({ username: dev.id, password: dev.token, clientId: dev.id })
  await new Promise<void>((r) => d.publish(`hearth/${dev.id}/state`, '{"temperature":19.5}', { qos: 1, retain: true }, () => r()))
  const p = await first.connect({ username: plug.id, password: plug.token, clientId: plug.id, clean: false })
  await subscribe(p, { [`hearth/${plug.id}/set`]: 1 })
  p.end(true)
  await new Promise((r) => setTimeout(r, 300)) // past one write-budget interval
  await first.stop()

  const second = await startTestHub(t, {}, first.dataDir)
  const ha = await second.addAccount('ha')
  const c = await second.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  const got = nextMessage(c, `hearth/${dev.id}/state`)
  await subscribe(c, { 'hearth/+/state': 0 })
  t.same(JSON.parse((await got).payload), { temperature: 19.5 }, 'retained state is back')
  c.publish(`hearth/${plug.id}/set`, '{"state":"OFF"}', { qos: 1 })
  await new Promise((r) => setTimeout(r, 200))
  const cmd = await new Promise<string>((resolve) => {
    void second.connect({ username: plug.id, password: plug.token, clientId: plug.id, clean: false }, (_t, payload) => resolve(payload.toString()))
  })
  t.same(JSON.parse(cmd), { state: 'OFF' }, "the plug's persistent subscription survived the restart")
})

t.test('messages queued for an away persistent session survive a restart, in order, within a per-session bound', async (t) => {
  const first = await startTestHub(t, { '--mqtt-persist-interval-ms': '100', '--mqtt-max-queued-messages': '5' })
  const plug = await first.addDevice('Plug', 'switch')
  const ha = await first.addAccount('ha')
  const p = await first.connect({ username: plug.id, password: plug.token, clientId: plug.id, clean: false })
  await subscribe(p, { [`hearth/${plug.id}/set`]: 1 })
  await p.endAsync()
  const c = await first.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  // Seven commands while the plug is away: the publisher gets its PUBACK for each.
  for (let i = 0; i < 7; i++) await c.publishAsync(`hearth/${plug.id}/set`, JSON.stringify({ state: i % 2 ? 'OFF' : 'ON' }), { qos: 1 })
  t.equal(first.hub.status().broker.droppedOffline, 2, 'the two beyond the bound of 5 are dropped and counted')
  await new Promise((r) => setTimeout(r, 300)) // past one write-budget interval
  await first.stop()

  const second = await startTestHub(t, {}, first.dataDir)
  const got: string[] = []
  const all = new Promise<void>((resolve) => {
    void second.connect({ username: plug.id, password: plug.token, clientId: plug.id, clean: false }, (_t, payload) => {
      got.push(JSON.parse(payload.toString()).state)
      if (got.length === 5) resolve()
    })
  })
  await all
  t.same(got, ['ON', 'OFF', 'ON', 'OFF', 'ON'], 'the five queued commands arrive after the restart, oldest first')
  // Acknowledged ones are gone: a third start delivers nothing again.
  await new Promise((r) => setTimeout(r, 300))
  await second.stop()
  const third = await startTestHub(t, {}, second.dataDir)
  const again: string[] = []
  await third.connect({ username: plug.id, password: plug.token, clientId: plug.id, clean: false }, (_t, payload) => again.push(payload.toString()))
  await new Promise((r) => setTimeout(r, 500))
  t.same(again, [], 'nothing is delivered twice once acknowledged')
})
