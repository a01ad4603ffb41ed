import t from 'tap'
import { closed, collect, nextMessage, rawConnect, startTestHub, subscribe } from '../helpers/test-hub.js'

// Every ACL row, allowed and denied, with real MQTT clients over TLS (EN 303 645 5.5-5, 5.13;
// OWASP I3, I9).
t.test('device and integration roles: every row allowed and denied', async (t) => {
  const h = await startTestHub(t)
  const a = await h.addDevice('Sensor A')
  const b = await h.addDevice('Plug B', 'switch')
  const ha = await h.addAccount('homeassistant')
  const integ = await h.connect({ username: ha.username, password: ha.token, clientId: 'homeassistant' })
  const devA = await h.connect({ username: a.id, password: a.token, clientId: a.id })
  const devB = await h.connect({ username: b.id, password: b.token, clientId: b.id })

  t.test('device subscribe: own commands only', async (t) => {
    t.same(await subscribe(devB, { [`hearth/${b.id}/set`]: 1 }), [1], 'own set: granted')
    t.same(await subscribe(devB, { [`hearth/${a.id}/set`]: 1 }), [128], "another device's set: refused")
    t.same(await subscribe(devB, { [`hearth/${a.id}/state`]: 0 }), [128], "another device's state: refused")
    t.same(await subscribe(devB, { '#': 0 }), [128], '#: refused')
    t.same(await subscribe(devB, { 'hearth/+/set': 0 }), [128], 'wildcard over own grant: refused')
    t.same(await subscribe(devB, { 'hearth/#': 0 }), [128])
    t.same(await subscribe(devB, { '$SYS/#': 0 }), [128], '$SYS: refused')
    t.same(await subscribe(devB, { [`hearth/${b.id}/+`]: 0 }), [128], 'own id, wider filter: refused')
  })

  t.test('integration subscribe: state, availability, discovery; nothing wider', async (t) => {
    t.same(await subscribe(integ, { 'hearth/+/state': 1, 'hearth/+/availability': 1, 'homeassistant/#': 0 }), [1, 1, 0])
    t.same(await subscribe(integ, { '#': 0, 'hearth/#': 0, 'hearth/+/set': 0, '$SYS/#': 0, '+/+/state': 0 }), [128, 128, 128, 128, 128])
  })

  t.test('device publishes its own state and availability; the integration sees them', async (t) => {
    const got = nextMessage(integ, `hearth/${a.id}/state`)
    devA.publish(`hearth/${a.id}/state`, JSON.stringify({ temperature: 21.5, humidity: 40 }), { qos: 1 })
    t.same(JSON.parse((await got).payload), { temperature: 21.5, humidity: 40 })
    const avail = nextMessage(integ, `hearth/${a.id}/availability`)
    devA.publish(`hearth/${a.id}/availability`, 'online', { qos: 1 })
    t.equal((await avail).payload, 'online')
  })

  t.test('integration commands a device: delivered to that device only', async (t) => {
    const toB = nextMessage(devB, `hearth/${b.id}/set`)
    integ.publish(`hearth/${b.id}/set`, JSON.stringify({ state: 'ON' }), { qos: 1 })
    t.same(JSON.parse((await toB).payload), { state: 'ON' })
  })

  t.test('a device publishing to another device, to $SYS, or a command is cut off', async (t) => {
    for (const topic of [`hearth/${b.id}/state`, '$SYS/broker/uptime', `hearth/${b.id}/set`, `hearth/${a.id}/set`, 'homeassistant/status', 'other']) {
      const d = await h.connect({ username: a.id, password: a.token, clientId: a.id })
      const watch = collect(integ, 300)
      d.publish(topic, JSON.stringify({ temperature: 1, state: 'ON' }), { qos: 1 })
      await closed(d)
      t.notOk((await watch).some((m) => m.topic === topic), `${topic}: not delivered, connection closed`)
    }
  })

  t.test('an integration may not write state or discovery', async (t) => {
    for (const topic of [`hearth/${a.id}/state`, 'homeassistant/sensor/x/config']) {
      const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'homeassistant-w' })
      c.publish(topic, '{"temperature":1}', { qos: 1 })
      await closed(c)
      t.pass(`${topic}: connection closed`)
    }
  })
})

t.test('custom accounts: explicit grants, deny wins', async (t) => {
  const h = await startTestHub(t)
  const dev = await h.addDevice('Door', 'contact')
  const acct = await h.addAccount('logger', 'custom', { allowSub: ['hearth/+/state', 'hearth/+/availability'], denySub: [`hearth/${dev.id}/availability`] })
  const c = await h.connect({ username: acct.username, password: acct.token, clientId: 'logger' })
  t.same(await subscribe(c, { 'hearth/+/state': 0 }), [0])
  t.same(await subscribe(c, { 'hearth/+/availability': 0 }), [128], 'overlaps a deny filter: refused')
  t.same(await subscribe(c, { 'homeassistant/#': 0 }), [128], 'not granted')
  const d = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id })
  const got = nextMessage(c, `hearth/${dev.id}/state`)
  d.publish(`hearth/${dev.id}/state`, '{"contact":true}')
  t.same(JSON.parse((await got).payload), { contact: true })
  c.publish(`hearth/${dev.id}/set`, '{}')
  await closed(c)
  t.pass('no publish grant: cut off')
  // Even an explicit grant cannot open $SYS: the policy refuses $-topics for every role.
  const sys = await h.addAccount('sysreader', 'custom', { allowSub: ['$SYS/#', 'hearth/+/state'] })
  const sc = await h.connect({ username: sys.username, password: sys.token, clientId: 'sysreader' })
  t.same(await subscribe(sc, { '$SYS/#': 0, 'hearth/+/state': 0 }), [128, 0])
})

t.test('authentication: anonymous, unknown, wrong, revoked, rotated', async (t) => {
  const h = await startTestHub(t)
  const a = await h.addDevice('A')
  const err = (p: Promise<unknown>) => p.then(() => 'connected', (e: Error & { code?: number }) => e.code ?? e.message)
  t.equal(await err(h.connect({ clientId: a.id })), 5, 'anonymous → not authorized')
  t.equal(await err(h.connect({ username: 'nobody', password: 'hth_x', clientId: 'nobody' })), 4, 'unknown user → bad user name or password')
  t.equal(await err(h.connect({ username: a.id, password: a.token + 'x', clientId: a.id })), 4, 'wrong token')
  t.equal(await err(h.connect({ username: a.id, clientId: a.id })), 4, 'no password')

  const live = await h.connect({ username: a.id, password: a.token, clientId: a.id })
  const rotated = await h.admin('device.rotate', { id: a.id })
  await closed(live)
  t.pass('rotation disconnects the live client at once')
  t.equal(await err(h.connect({ username: a.id, password: a.token, clientId: a.id })), 4, 'old token refused after rotation')
  const again = await h.connect({ username: a.id, password: rotated.token, clientId: a.id })
  t.ok(again.connected, 'new token works')
  await h.admin('device.remove', { id: a.id })
  await closed(again)
  t.pass('removal disconnects at once')
  t.equal(await err(h.connect({ username: a.id, password: rotated.token, clientId: a.id })), 4, 'removed device refused')
})

t.test('client ids: bound to the account; no takeover', async (t) => {
  const h = await startTestHub(t)
  const a = await h.addDevice('A')
  const b = await h.addDevice('B')
  const ha = await h.addAccount('ha')
  const err = (p: Promise<unknown>) => p.then(() => 'connected', (e: Error & { code?: number }) => e.code ?? e.message)
  const victim = await h.connect({ username: b.id, password: b.token, clientId: b.id })
  t.equal(await err(h.connect({ username: a.id, password: a.token, clientId: b.id })), 2, "a device can't use another device's id")
  t.equal(await err(h.connect({ username: ha.username, password: ha.token, clientId: b.id })), 2, "an integration can't take a device's id")
  t.equal(await err(h.connect({ username: a.id, password: a.token, clientId: 'ha' })), 2, "a device can't take the integration's id")
  t.ok(victim.connected, 'the victim session was never taken over')
  const ha1 = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha-1' })
  t.ok(ha1.connected, 'an account may use ids in its own namespace')
  t.rejects(h.addAccount('ha-1'), 'an account whose ids overlap an existing one is refused')
  // [MQTT-3.1.3-8]: zero-length client id with CleanSession=0 → CONNACK 0x02
  t.equal(await rawConnect(h.port, h.ca, { username: ha.username, password: Buffer.from(ha.token), clientId: '', clean: false }), 2)
  const anon = await h.connect({ username: ha.username, password: ha.token, clientId: '', clean: true })
  t.ok(anon.connected, 'zero-length id with a clean session gets an id in its namespace [MQTT-3.1.3-6]')
})

t.test('publishes queued by back-pressure die with the connection (no late delivery after revocation)', async (t) => {
  const h = await startTestHub(t)
  const dev = await h.addDevice('Chatty')
  const ha = await h.addAccount('ha')
  const d = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id })
  const sub = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha' })
  await subscribe(sub, { 'hearth/+/state': 0 })
  // 300 retained states at once: ~100 pass (the burst), the rest wait for tokens.
  for (let i = 0; i < 300; i++) d.publish(`hearth/${dev.id}/state`, JSON.stringify({ temperature: i % 100 }), { qos: 0, retain: true })
  await new Promise((r) => setTimeout(r, 300))
  await h.admin('device.remove', { id: dev.id })
  await closed(d)
  await new Promise((r) => setTimeout(r, 200))
  const late = await collect(sub, 2500)
  t.same(late.filter((m) => m.payload !== ''), [], 'nothing the removed device queued is delivered after its removal')
  const fresh = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha-2' })
  const retained = collect(fresh, 500)
  await subscribe(fresh, { 'hearth/+/state': 0 })
  t.same((await retained).filter((m) => m.topic.includes(dev.id)), [], 'and no retained state of it survives')
})

t.test('one account cannot multiply its budget by opening many connections', async (t) => {
  const h = await startTestHub(t, { '--mqtt-connect-burst-per-address': '100', '--mqtt-connect-rate-per-address': '100' })
  const ha = await h.addAccount('ha')
  for (let i = 0; i < 32; i++) await h.connect({ username: ha.username, password: ha.token, clientId: `ha-${i}` })
  const err = await h.connect({ username: ha.username, password: ha.token, clientId: 'ha-32' }).then(() => 0, (e: Error & { code?: number }) => e.code)
  t.equal(err, 3, 'the 33rd connection of one account: CONNACK 3')
  t.equal((await h.admin('status')).broker.connectRefused.accountConnections, 1, 'counted')
})
