import t from 'tap'
import { Taps } from '../../src/broker/taps.js'
import { closed, startTestHub } from '../helpers/test-hub.js'

/** A Taps whose listeners record what they get, by name. */
function recorder() {
  const got: string[] = []
  const errors: string[] = []
  const taps = new Taps((err, topic) => errors.push(`${topic}: ${(err as Error).message}`))
  const listen = (name: string) => (topic: string, payload: Buffer) => void got.push(`${name} ${topic} ${payload.toString()}`)
  return { got, errors, taps, listen }
}

t.test('listeners get the topics their filter matches, grouped by filter, $ topics only by name', async (t) => {
  const { got, taps, listen } = recorder()
  taps.add('hearth/+/state', listen('state'))
  taps.add('hearth/#', listen('all'))
  taps.add('hearth/+/state', listen('state2'))
  taps.add('#', listen('hash'))
  taps.add('$hearth/rejected', listen('rejected'))
  const cases: Array<[string, string[]]> = [
    ['hearth/d-a/state', ['state hearth/d-a/state x', 'state2 hearth/d-a/state x', 'all hearth/d-a/state x', 'hash hearth/d-a/state x']],
    ['hearth/d-a/availability', ['all hearth/d-a/availability x', 'hash hearth/d-a/availability x']],
    ['hearth', ['all hearth x', 'hash hearth x']], // [MQTT-4.7.1-2] `#` matches its parent level
    ['hearth//state', ['state hearth//state x', 'state2 hearth//state x', 'all hearth//state x', 'hash hearth//state x']], // [MQTT-4.7.1-3]
    ['hearth/d-a/state/extra', ['all hearth/d-a/state/extra x', 'hash hearth/d-a/state/extra x']],
    ['$SYS/broker/uptime', []], // [MQTT-4.7.2-1] wildcards never reach $ topics
    ['$hearth/rejected', ['rejected $hearth/rejected x']],
    ['other', ['hash other x']],
  ]
  for (const [topic, want] of cases) {
    for (let round = 0; round < 2; round++) {
      got.length = 0
      taps.deliver(topic, Buffer.from('x'))
      t.same(got, want, `${topic} (${round ? 'remembered' : 'first time'})`)
    }
  }
})

t.test('a listener added later also gets topics already seen; a throwing listener is reported and the others still run', async (t) => {
  const { got, errors, taps, listen } = recorder()
  taps.add('a/+', listen('one'))
  taps.deliver('a/b', Buffer.from('1'))
  taps.add('a/b', () => {
    throw new Error('boom')
  })
  taps.add('+/b', listen('two'))
  taps.deliver('a/b', Buffer.from('2'))
  t.same(got, ['one a/b 1', 'one a/b 2', 'two a/b 2'])
  t.same(errors, ['a/b: boom'])
})

t.test('the remembered topics stay bounded and right when a client sprays topics', async (t) => {
  const { got, taps, listen } = recorder()
  taps.add('s/+', listen('s'))
  for (let i = 0; i < 10_000; i++) taps.deliver(`s/${i}`, Buffer.from(''))
  t.equal(got.length, 10_000)
  t.ok((taps as unknown as { byTopic: { size: number } }).byTopic.size <= 4096, 'memo bounded')
  got.length = 0
  taps.deliver('s/1', Buffer.from('again'))
  taps.deliver('t/1', Buffer.from('no'))
  t.same(got, ['s s/1 again'])
})

t.test('through a real hub: the bus hears device reports, wills and the hub’s own publishes, never refused payloads', async (t) => {
  const h = await startTestHub(t)
  const dev = await h.addDevice('Thermo')
  const heard: string[] = []
  h.hub.bus().subscribe(`hearth/${dev.id}/+`, (topic, payload) => void heard.push(`${topic.split('/')[2]} ${payload.toString()}`))
  const will = { topic: `hearth/${dev.id}/availability`, payload: Buffer.from('offline'), qos: 1 as const, retain: true }
  const d = await h.connect({ username: dev.id, password: dev.token, clientId: dev.id, will })
  const pub = (leaf: string, payload: string) => new Promise<void>((r) => d.publish(`hearth/${dev.id}/${leaf}`, payload, { qos: 1 }, () => r()))
  await pub('availability', 'online')
  await pub('state', '{"temperature":21.5}')
  await pub('state', '{"temperature":-60}') // out of range: refused, acknowledged
  await pub('state', '{"temperature":22}')
  await h.hub.bus().publish(`hearth/${dev.id}/set`, '{"identify":true}', { retain: false })
  ;(d as unknown as { stream: { destroy(): void } }).stream.destroy() // gone without DISCONNECT: the will is published
  await closed(d)
  for (let i = 0; i < 50 && heard.length < 5; i++) await new Promise((r) => setTimeout(r, 20))
  t.same(heard, ['availability online', 'state {"temperature":21.5}', 'state {"temperature":22}', 'set {"identify":true}', 'availability offline'])
})
