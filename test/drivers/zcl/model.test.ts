import t from 'tap'
import { ClusterId, commandsFor, decodeZcl, encodeCommand, modelFor, shapeState, toState } from '../../../src/drivers/zcl/index.js'
import { homeAssistantDiscovery, validateCommand, validateState } from '../../../src/policy/device-kinds.js'

const { genBasic, genPowerCfg, genOnOff, genLevelCtrl, msTemperatureMeasurement: temp, msRelativeHumidity: hum, msOccupancySensing: occ, ssIasZone: ias } = ClusterId

t.test('in-clusters → kind', async (t) => {
  const cases: Array<[string, number[], number | undefined, string]> = [
    ['temperature + humidity sensor', [genBasic, genPowerCfg, temp, hum], undefined, 'temperature'],
    ['humidity only', [genBasic, hum], undefined, 'temperature'],
    ['plug', [genBasic, genOnOff], undefined, 'switch'],
    ['dimmer', [genBasic, genOnOff, genLevelCtrl], undefined, 'light'],
    ['occupancy sensor', [genBasic, genPowerCfg, occ], undefined, 'motion'],
    ['IAS contact', [genBasic, genPowerCfg, ias], 0x0015, 'contact'],
    ['IAS motion', [genBasic, genPowerCfg, ias], 0x000d, 'motion'],
  ]
  for (const [name, inClusters, zone, kind] of cases) {
    const r = modelFor({ endpoint: 1, inClusters }, { iasZoneType: zone })
    t.match(r, { ok: true, model: { kind, endpoint: 1 } }, name)
  }
  t.same(modelFor({ endpoint: 1, inClusters: [genBasic, ias] }), { ok: false, reason: 'need-zone-type' })
  t.same(modelFor({ endpoint: 1, inClusters: [genBasic, ias] }, { iasZoneType: 0x002a }), { ok: false, reason: 'unsupported' }, 'water leak: not yet')
  t.same(modelFor({ endpoint: 1, inClusters: [genBasic, 0x0300] }), { ok: false, reason: 'unsupported' })
  t.same(modelFor([]), { ok: false, reason: 'unsupported' })
  t.match(modelFor([{ endpoint: 1, inClusters: [genBasic] }, { endpoint: 2, inClusters: [genOnOff] }]), { ok: true, model: { kind: 'switch', endpoint: 2 } }, 'second endpoint')
})

t.test('a model says what to bind, configure, read and enroll', async (t) => {
  const r = modelFor({ endpoint: 1, inClusters: [genBasic, genPowerCfg, temp, hum] })
  if (!r.ok) return t.fail('no model')
  t.same(r.model.bind, [temp, hum, genPowerCfg])
  t.same(r.model.reporting.map((x) => x.clusterId), [temp, hum, genPowerCfg])
  t.same(r.model.reporting[0]!.entries, [{ direction: 0, id: 0, type: 0x29, minInterval: 10, maxInterval: 300, reportableChange: 10 }])
  t.same(r.model.read, [{ clusterId: temp, ids: [0] }, { clusterId: hum, ids: [0] }, { clusterId: genPowerCfg, ids: [0x21] }])
  t.equal(r.model.iasEnroll, false)
  t.same(r.model.fields, ['temperature', 'humidity', 'battery'])
  const c = modelFor({ endpoint: 1, inClusters: [genPowerCfg, ias] }, { iasZoneType: 0x15 })
  if (!c.ok) return t.fail('no model')
  t.equal(c.model.iasEnroll, true)
  t.same(c.model.bind, [genPowerCfg], 'IAS zones notify the enrolled CIE without a binding')
  t.same(c.model.fields, ['contact', 'battery', 'tamper', 'battery_low'])
  t.ok(homeAssistantDiscovery({ id: 'door', name: 'Door', kind: c.model.kind }, 'h').some((d) => d.topic.endsWith('/tamper/config')), 'HA sees the tamper switch')
})

t.test('shapeState: kind fields only, checked by the kind schema', async (t) => {
  t.same(shapeState('temperature', { temperature: 21.5, humidity: 40, battery: 90 }), { payload: { temperature: 21.5, humidity: 40, battery: 90 }, rejected: [] })
  t.same(shapeState('temperature', { temperature: 150 }), { payload: {}, rejected: [{ field: 'temperature', reason: 'kind-range' }] }, 'ZCL-valid, but not a room')
  t.same(shapeState('switch', { state: 'ON', battery: 50 }), { payload: { state: 'ON' }, rejected: [{ field: 'battery', reason: 'not-in-kind' }] })
  const frame = decodeZcl(temp, Uint8Array.from([0x18, 5, 0x0a, 0, 0, 0x29, 0x66, 0x08]))
  if (!frame.ok) return t.fail('decode')
  const { payload } = shapeState('temperature', toState(temp, frame.frame).state)
  t.equal(validateState('temperature', Buffer.from(JSON.stringify(payload)), 256).ok, true, 'what we publish passes the broker check')
})

t.test('set payloads → ZCL commands', async (t) => {
  const cases: Array<['switch' | 'light' | 'temperature', object, unknown[]]> = [
    ['switch', { state: 'ON' }, [{ cmd: 'on' }]],
    ['switch', { state: 'OFF' }, [{ cmd: 'off' }]],
    ['switch', { state: 'TOGGLE' }, [{ cmd: 'toggle' }]],
    ['light', { state: 'ON', brightness: 128 }, [{ cmd: 'brightness', brightness: 128 }]],
    ['light', { brightness: 0 }, [{ cmd: 'brightness', brightness: 0 }]],
    ['light', { state: 'OFF', brightness: 128 }, [{ cmd: 'off' }]],
    ['light', { state: 'ON' }, [{ cmd: 'on' }]],
  ]
  for (const [kind, payload, cmds] of cases) {
    const v = validateCommand(kind, Buffer.from(JSON.stringify(payload)), 256)
    if (!v.ok) return t.fail(`${kind} ${JSON.stringify(payload)} invalid`)
    const out = commandsFor(kind, v.value)
    t.same(out, cmds, `${kind} ${JSON.stringify(payload)}`)
    for (const c of out) t.equal(encodeCommand(c as never, 1).clusterId, 'brightness' in (c as object) ? genLevelCtrl : genOnOff)
  }
  t.same(commandsFor('temperature', { temperature: 1 }), [], 'sensors take no commands')
})
