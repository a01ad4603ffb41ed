import t from 'tap'
import { collect, nextMessage, startTestHub, subscribe } from '../helpers/test-hub.js'

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
