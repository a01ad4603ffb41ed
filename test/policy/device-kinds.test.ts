import t from 'tap'
import {
  DEVICE_KINDS,
  homeAssistantDiscovery,
  isDeviceKind,
  validateCommand,
  validateState,
  type DeviceKind,
} from '../../src/policy/device-kinds.js'

const buf = (s: string) => Buffer.from(s, 'utf8')
const MAX = 256

// [kind, payload, expected: 'ok' or a reason]
const states: Array<[DeviceKind, string, 'ok' | 'too-large' | 'not-json' | 'not-object' | 'schema']> = [
  ['temperature', '{"temperature":21.5,"humidity":40,"battery":97}', 'ok'],
  ['temperature', '{"temperature":-40}', 'ok'],
  ['temperature', '{"temperature":125}', 'ok'],
  ['temperature', '{"humidity":0}', 'ok'],
  ['temperature', '{"humidity":100,"battery":0}', 'ok'],
  ['temperature', '{"temperature":-40.1}', 'schema'],
  ['temperature', '{"temperature":125.5}', 'schema'],
  ['temperature', '{"temperature":1e999}', 'schema'], // parses to Infinity
  ['temperature', '{"temperature":"21.5"}', 'schema'], // no coercion
  ['temperature', '{"humidity":100.5}', 'schema'],
  ['temperature', '{"battery":50.5}', 'schema'], // integer
  ['temperature', '{"battery":101}', 'schema'],
  ['temperature', '{"battery":-1}', 'schema'],
  ['temperature', '{"temperature":20,"pressure":1013}', 'schema'], // extra field
  ['temperature', '{"__proto__":{"x":1}}', 'schema'],
  ['temperature', '{}', 'schema'], // at least one field
  ['temperature', '{"temperature":null}', 'schema'],
  ['temperature', '[]', 'not-object'],
  ['temperature', '[{"temperature":20}]', 'not-object'],
  ['temperature', 'null', 'not-object'],
  ['temperature', '21.5', 'not-object'],
  ['temperature', '"x"', 'not-object'],
  ['temperature', '', 'not-json'],
  ['temperature', '{"temperature":NaN}', 'not-json'],
  ['temperature', '{temperature:20}', 'not-json'],
  ['temperature', '{"temperature":20', 'not-json'],
  ['contact', '{"contact":true}', 'ok'],
  ['contact', '{"contact":false,"battery":100}', 'ok'],
  ['contact', '{"contact":"true"}', 'schema'],
  ['contact', '{"contact":1}', 'schema'],
  ['contact', '{"temperature":20}', 'schema'], // another kind's field
  ['switch', '{"state":"ON"}', 'ok'],
  ['switch', '{"state":"OFF"}', 'ok'],
  ['switch', '{"state":"on"}', 'schema'],
  ['switch', '{"state":"TOGGLE"}', 'schema'], // a command, not a state
  ['switch', '{"state":true}', 'schema'],
  ['switch', '{"state":"ON","battery":50}', 'schema'],
  ['motion', '{"occupancy":true,"battery":3}', 'ok'],
  ['motion', '{"occupancy":"yes"}', 'schema'],
  ['contact', '{"contact":false,"tamper":true,"battery_low":false}', 'ok'], // IAS zone flags
  ['contact', '{"tamper":"yes"}', 'schema'],
  ['motion', '{"occupancy":true,"battery_low":true}', 'ok'],
  ['temperature', '{"tamper":true}', 'schema'], // not a field of this kind
  ['light', '{"state":"ON","brightness":254}', 'ok'],
  ['light', '{"brightness":0}', 'ok'],
  ['light', '{"brightness":255}', 'schema'],
  ['light', '{"brightness":-1}', 'schema'],
  ['light', '{"brightness":12.5}', 'schema'],
  ['light', '{"state":"ON","color":{"r":1}}', 'schema'],
]

for (const [kind, text, expected] of states) {
  t.test(`${kind} state ${text || '(empty)'} → ${expected}`, async (t) => {
    const r = validateState(kind, buf(text), MAX)
    if (expected === 'ok') {
      t.same(r, { ok: true, value: JSON.parse(text) })
    } else {
      t.equal(r.ok, false)
      if (!r.ok) {
        t.equal(r.reason, expected)
        t.type(r.detail, 'string')
      }
    }
  })
}

t.test('size is checked before parsing', async (t) => {
  const ok = '{"temperature":21.5}'
  t.equal(validateState('temperature', buf(ok), ok.length).ok, true, 'exactly maxBytes is fine')
  t.match(validateState('temperature', buf(ok), ok.length - 1), { ok: false, reason: 'too-large' })
  t.match(validateState('temperature', buf('x'.repeat(1000)), 100), { ok: false, reason: 'too-large' }, 'garbage past the cap is not even parsed')
  // bytes, not characters
  const wide = `{"temperature":21,"x":"${'é'.repeat(50)}"}`
  t.match(validateState('temperature', buf(wide), wide.length), { ok: false, reason: 'too-large' })
})

t.test('numbers too large for a double are refused as non-finite, whatever the schema bounds', async (t) => {
  t.match(validateState('temperature', buf('{"humidity":1e999}'), MAX), { ok: false, reason: 'schema', detail: /humidity: not a finite number/ })
  t.match(validateState('light', buf('{"brightness":-1e999}'), MAX), { ok: false, reason: 'schema', detail: /finite/ })
})

t.test('invalid UTF-8 is not JSON', async (t) => {
  const bytes = Buffer.concat([buf('{"contact":true,"x":"'), Buffer.from([0xff, 0xfe]), buf('"}')])
  t.match(validateState('contact', bytes, MAX), { ok: false, reason: 'not-json' })
})

t.test('the detail names the field, never the value', async (t) => {
  const r = validateState('temperature', buf('{"temperature":"secret-ish"}'), MAX)
  t.match(r, { ok: false, reason: 'schema', detail: /temperature/ })
  t.notMatch(JSON.stringify(r), /secret-ish/)
  t.match(validateState('temperature', buf('{"pressure":1}'), MAX), { detail: /pressure/ })
})

const commands: Array<[DeviceKind, string, boolean]> = [
  ['switch', '{"state":"ON"}', true],
  ['switch', '{"state":"TOGGLE"}', true],
  ['switch', '{}', false],
  ['switch', '{"state":"ON","brightness":3}', false],
  ['light', '{"state":"ON","brightness":128}', true],
  ['light', '{"brightness":1}', true],
  ['light', '{"state":"TOGGLE"}', true],
  ['light', '{"state":"ON","transition":2}', false],
  ['light', '{"brightness":300}', false],
  ['temperature', '{"temperature":20}', false], // sensors take no commands
  ['contact', '{"contact":true}', false],
  ['motion', '{"occupancy":true}', false],
]
for (const [kind, text, ok] of commands) {
  t.test(`${kind} command ${text} → ${ok ? 'ok' : 'refused'}`, async (t) => {
    t.equal(validateCommand(kind, buf(text), MAX).ok, ok)
  })
}

t.test('kinds', async (t) => {
  t.same(Object.keys(DEVICE_KINDS).sort(), ['contact', 'light', 'motion', 'switch', 'temperature'])
  for (const k of Object.keys(DEVICE_KINDS)) t.ok(isDeviceKind(k), k)
  for (const k of ['toaster', 'constructor', '__proto__', 'toString', '', 1, null]) t.notOk(isDeviceKind(k), String(k))
  t.match(validateState('constructor' as DeviceKind, buf('{}'), MAX), { ok: false })
  for (const [k, spec] of Object.entries(DEVICE_KINDS)) {
    const s = spec.schema as { additionalProperties?: boolean; minProperties?: number }
    t.equal(s.additionalProperties, false, `${k}: closed schema`)
    t.equal(s.minProperties, 1, `${k}: at least one field`)
    for (const c of spec.haComponents) t.ok(c.field in (spec.schema as { properties: object }).properties, `${k}: HA field ${c.field} is a state field`)
  }
})

t.test('discovery for a temperature sensor', async (t) => {
  const d = homeAssistantDiscovery({ id: 'living-1', name: 'Living room', kind: 'temperature' }, 'abc123')
  t.same(d.map((x) => x.topic), [
    'homeassistant/sensor/hearth_living-1/temperature/config',
    'homeassistant/sensor/hearth_living-1/humidity/config',
    'homeassistant/sensor/hearth_living-1/battery/config',
  ])
  t.same(d[0]!.payload, {
    name: 'Temperature',
    unique_id: 'hearth_living-1_temperature',
    state_topic: 'hearth/living-1/state',
    availability_topic: 'hearth/living-1/availability',
    device: { identifiers: ['hearth_living-1'], name: 'Living room', manufacturer: 'Hearth', via_device: 'hearth_abc123' },
    origin: { name: 'Hearth' },
    device_class: 'temperature',
    unit_of_measurement: '°C',
    state_class: 'measurement',
    value_template: '{{ value_json.temperature }}',
  })
  t.match(d[1]!.payload, { device_class: 'humidity', unit_of_measurement: '%', value_template: '{{ value_json.humidity }}' })
  t.match(d[2]!.payload, { device_class: 'battery', unit_of_measurement: '%', entity_category: 'diagnostic' })
  const ids = d.map((x) => (x.payload as { unique_id: string }).unique_id)
  t.equal(new Set(ids).size, ids.length, 'unique ids are unique')
})

t.test('discovery for binary sensors: JSON booleans, contact inverted', async (t) => {
  const [contact] = homeAssistantDiscovery({ id: 'door-2', name: 'Front door', kind: 'contact' }, 'h')
  t.equal(contact!.topic, 'homeassistant/binary_sensor/hearth_door-2/contact/config')
  t.match(contact!.payload, { device_class: 'opening', value_template: '{{ value_json.contact }}', payload_on: false, payload_off: true })
  t.notOk('command_topic' in contact!.payload)
  const [motion] = homeAssistantDiscovery({ id: 'hall', name: 'Hall', kind: 'motion' }, 'h')
  t.match(motion!.payload, { device_class: 'motion', value_template: '{{ value_json.occupancy }}', payload_on: true, payload_off: false })
  const door = homeAssistantDiscovery({ id: 'door-2', name: 'Front door', kind: 'contact' }, 'h')
  t.match(door.find((d) => d.topic.endsWith('/tamper/config'))!.payload, { device_class: 'tamper', entity_category: 'diagnostic', payload_on: true })
  t.match(door.find((d) => d.topic.endsWith('/battery_low/config'))!.payload, { device_class: 'battery', value_template: '{{ value_json.battery_low }}', payload_on: true })
})

t.test('discovery for a switch: JSON commands on the set topic', async (t) => {
  const d = homeAssistantDiscovery({ id: 'plug-1', name: 'Kettle', kind: 'switch' }, 'h')
  t.equal(d.length, 1)
  t.equal(d[0]!.topic, 'homeassistant/switch/hearth_plug-1/state/config')
  const p = d[0]!.payload as Record<string, string>
  t.match(p, { name: null, command_topic: 'hearth/plug-1/set', state_topic: 'hearth/plug-1/state', value_template: '{{ value_json.state }}', state_on: 'ON', state_off: 'OFF' })
  // What HA will send must pass our own command schema.
  t.equal(validateCommand('switch', buf(p.payload_on!), MAX).ok, true)
  t.equal(validateCommand('switch', buf(p.payload_off!), MAX).ok, true)
  t.same(JSON.parse(p.payload_on!), { state: 'ON' })
})

t.test('discovery for a light: json schema, our brightness scale', async (t) => {
  const d = homeAssistantDiscovery({ id: 'lamp', name: 'Lamp', kind: 'light' }, 'h')
  t.equal(d[0]!.topic, 'homeassistant/light/hearth_lamp/state/config')
  t.match(d[0]!.payload, {
    schema: 'json',
    command_topic: 'hearth/lamp/set',
    state_topic: 'hearth/lamp/state',
    brightness: true,
    brightness_scale: 254,
    supported_color_modes: ['brightness'],
    flash: false,
    transition: false,
  })
  t.notOk('value_template' in d[0]!.payload, 'the json schema takes no templates')
  t.equal(validateCommand('light', buf('{"state":"ON","brightness":254}'), MAX).ok, true, 'HA-style command passes')
})

t.test('every discovery topic is well formed and within the integration grants', async (t) => {
  for (const kind of Object.keys(DEVICE_KINDS) as DeviceKind[])
    for (const { topic, payload } of homeAssistantDiscovery({ id: 'x-1', name: 'X', kind }, 'h')) {
      t.match(topic, /^homeassistant\/(sensor|binary_sensor|switch|light)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/)
      t.match(payload, { state_topic: 'hearth/x-1/state', availability_topic: 'hearth/x-1/availability' })
    }
})

t.test('discovery refuses malformed ids and kinds', async (t) => {
  t.throws(() => homeAssistantDiscovery({ id: 'a/b', name: 'x', kind: 'switch' }, 'h'), { name: 'HubError', code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => homeAssistantDiscovery({ id: '+', name: 'x', kind: 'switch' }, 'h'), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => homeAssistantDiscovery({ id: 'ok', name: 'x', kind: 'switch' }, 'h/#'), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => homeAssistantDiscovery({ id: 'ok', name: 'x', kind: 'toaster' as DeviceKind }, 'h'), { code: 'HUB_ERR_BAD_REQUEST' })
})
