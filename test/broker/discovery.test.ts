import t from 'tap'
import { collect, nextMessage, startTestHub, subscribe } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

t.test('Home Assistant discovery: retained configs per device, re-sent on HA birth, cleared on removal', async (t) => {
  const h = await startTestHub(t)
  const temp = await h.addDevice('Living room', 'temperature')
  const plug = await h.addDevice('Kettle', 'switch')
  const ha = await h.addAccount('homeassistant')
  const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'homeassistant' })
  const seen = collect(c, 600)
  await subscribe(c, { 'homeassistant/#': 0 })
  const configs = (await seen).filter((m) => m.topic.endsWith('/config'))
  const topics = configs.map((m) => m.topic).sort()
  t.same(topics, [
    `homeassistant/sensor/hearth_${temp.id}/battery/config`,
    `homeassistant/sensor/hearth_${temp.id}/humidity/config`,
    `homeassistant/sensor/hearth_${temp.id}/temperature/config`,
    `homeassistant/switch/hearth_${plug.id}/state/config`,
  ])
  const t1 = JSON.parse(configs.find((m) => m.topic.includes(`${temp.id}/temperature`))!.payload)
  t.match(t1, {
    unique_id: `hearth_${temp.id}_temperature`,
    state_topic: `hearth/${temp.id}/state`,
    availability_topic: `hearth/${temp.id}/availability`,
    device_class: 'temperature',
    unit_of_measurement: '°C',
    device: { name: 'Living room', identifiers: [`hearth_${temp.id}`] },
  })
  const sw = JSON.parse(configs.find((m) => m.topic.includes(plug.id))!.payload)
  t.equal(sw.command_topic, `hearth/${plug.id}/set`, 'the switch can be commanded')

  const again = collect(c, 600)
  c.publish('homeassistant/status', 'online')
  t.equal((await again).filter((m) => m.topic.endsWith('/config')).length, 4, 're-sent when Home Assistant comes online')

  const cleared = nextMessage(c, `homeassistant/switch/hearth_${plug.id}/state/config`)
  await h.admin('device.remove', { id: plug.id })
  t.equal((await cleared).payload, '', 'an empty retained config removes the entity from Home Assistant')
  const fresh = await h.connect({ username: ha.username, password: ha.token, clientId: 'homeassistant-2' })
  const after = collect(fresh, 500)
  await subscribe(fresh, { 'homeassistant/#': 0 })
  t.notOk((await after).some((m) => m.topic.includes(plug.id)), 'nothing of the removed device stays retained')
})

t.test('discovery follows renames, and a burst of adds publishes each config once', async (t) => {
  const h = await startTestHub(t)
  const ha = await h.addAccount('homeassistant')
  const c = await h.connect({ username: ha.username, password: ha.token, clientId: 'homeassistant' })
  await subscribe(c, { 'homeassistant/#': 0 })
  const seen = collect(c, 1500)
  const added = await Promise.all(Array.from({ length: 40 }, (_, i) => h.addDevice(`Plug ${i}`, 'switch')))
  const configs = (await seen).filter((m) => m.topic.endsWith('/config') && m.payload !== '')
  t.equal(configs.length, 40, `40 devices added at once → 40 configs, not one per device per change (${configs.length})`)
  t.equal(new Set(configs.map((m) => m.topic)).size, 40, 'each device once')
  const plug = added[0]!
  const renamed = nextMessage(c, `homeassistant/switch/hearth_${plug.id}/state/config`)
  const web = new WebClient(h.hub.status().listeners.https.port, h.ca)
  t.equal((await web.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })).status, 201)
  t.equal((await web.request('PATCH', `/api/v1/devices/${plug.id}`, { name: 'Kettle' })).status, 200)
  t.match(JSON.parse((await renamed).payload), { device: { name: 'Kettle' } }, 'a rename re-sends the config with the new name')
})
