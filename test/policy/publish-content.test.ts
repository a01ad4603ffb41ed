import t from 'tap'
import { checkContent, checkPublishContent, contentRoute } from '../../src/policy/publish-content.js'
import type { DeviceKind } from '../../src/policy/device-kinds.js'

// The content rule of a topic (kept per connection by the broker) and the decision on a payload.
t.test('content routes by topic', async (t) => {
  const rows: Array<[string, object]> = [
    ['hearth/d-abc/state', { rule: 'state', deviceId: 'd-abc' }],
    ['hearth/d-abc/set', { rule: 'command', deviceId: 'd-abc' }],
    ['hearth/d-abc/availability', { rule: 'availability' }],
    ['homeassistant/status', { rule: 'availability' }],
    ['hearth/D-ABC/state', { rule: 'any' }], // not a device id: no device's content rule
    ['hearth/d-abc/state/x', { rule: 'any' }],
    ['hearth//state', { rule: 'any' }],
    ['xhearth/d-abc/state', { rule: 'any' }],
    ['homeassistant/sensor/x/config', { rule: 'any' }],
  ]
  for (const [topic, want] of rows) t.same(contentRoute(topic), want, topic)
})

t.test('the device kind is looked up on every check, not kept with the route', async (t) => {
  const route = contentRoute('hearth/d-x/state')
  let kind: DeviceKind | undefined = 'temperature'
  const kindOf = () => kind
  const ok = Buffer.from('{"temperature":20}')
  t.same(checkContent(route, ok, kindOf, 1024), { ok: true })
  kind = undefined // the device was removed
  t.same(checkContent(route, ok, kindOf, 1024), { ok: false, reason: 'unknown-device' })
  kind = 'switch'
  t.same(checkContent(route, ok, kindOf, 1024), { ok: false, reason: 'state-schema' })
})

t.test('decisions', async (t) => {
  const kindOf = (id: string): DeviceKind | undefined => (id === 'd-t' ? 'temperature' : id === 'd-s' ? 'switch' : undefined)
  const rows: Array<[string, string, string]> = [
    ['hearth/d-t/state', '{"temperature":20}', 'ok'],
    ['hearth/d-t/state', '{"temperature":200}', 'state-schema'],
    ['hearth/d-t/state', '{"temperature":', 'state-not-json'],
    ['hearth/d-t/state', 'x'.repeat(65), 'too-large'],
    ['hearth/d-q/state', '{"temperature":20}', 'unknown-device'],
    ['hearth/d-s/set', '{"state":"TOGGLE"}', 'ok'],
    ['hearth/d-s/set', '{"state":"DIM"}', 'command-schema'],
    ['hearth/d-t/set', '{"state":"ON"}', 'command-schema'], // a sensor takes no commands
    ['hearth/d-t/availability', 'online', 'ok'],
    ['hearth/d-t/availability', 'maybe', 'availability-value'],
    ['homeassistant/status', 'offline', 'ok'],
    ['homeassistant/sensor/x/config', 'anything', 'ok'],
    ['other/topic', 'x'.repeat(65), 'too-large'],
  ]
  for (const [topic, payload, want] of rows) {
    const d = checkPublishContent(topic, Buffer.from(payload), kindOf, 64)
    t.equal(d.ok ? 'ok' : d.reason, want, `${topic} ${payload.slice(0, 20)}`)
  }
})
