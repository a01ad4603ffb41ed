import t from 'tap'
import {
  ClusterId,
  ZclType,
  decodeZcl,
  encodeCommand,
  encodeConfigureReporting,
  encodeConfigureReportingResponse,
  encodeDefaultResponse,
  encodeIasEnrollRequest,
  encodeIasEnrollResponse,
  encodeReadAttributes,
  encodeReadAttributesResponse,
  encodeReport,
  encodeWriteAttributes,
  encodeWriteAttributesResponse,
  encodeZcl,
  encodeZoneStatusChange,
  toState,
  zclStatusName,
  type ZclFrame,
  type ZclOut,
} from '../../../src/drivers/zcl/index.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function decoded(clusterId: number, data: Uint8Array): ZclFrame {
  const r = decodeZcl(clusterId, data)
  if (!r.ok) throw new Error(`decode failed: ${r.reason}`)
  return r.frame
}

t.test('ZIGBEE.md example: 18 05 0A 00 00 29 66 08 is a report of 21.5 °C', async (t) => {
  const f = decoded(ClusterId.msTemperatureMeasurement, hex('18 05 0A 00 00 29 66 08'))
  t.same(f.header, { frameType: 0, serverToClient: true, disableDefaultResponse: true, seq: 5, commandId: 0x0a })
  t.same(f.command, { name: 'reportAttributes', records: [{ id: 0, type: ZclType.int16, value: 0x0866 }] })
  t.same(toState(ClusterId.msTemperatureMeasurement, f).state, { temperature: 21.5 })
  // and the encoder produces exactly those bytes
  const out = encodeReport(ClusterId.msTemperatureMeasurement, [{ id: 0, type: ZclType.int16, value: 2150 }], 5)
  t.equal(toHex(out.data), '18050a0000296608')
})

t.test('header: manufacturer-specific code, direction, default response bit', async (t) => {
  const f = decoded(0x0000, hex('04 5F 11 07 00 04 00'))
  t.same(f.header, { frameType: 0, manufacturerCode: 0x115f, serverToClient: false, disableDefaultResponse: false, seq: 7, commandId: 0 })
  t.same(f.command, { name: 'readAttributes', ids: [4] })
  t.match(decodeZcl(0, hex('02 01 00')), { ok: false, reason: 'reserved-frame-type' })
  t.match(decodeZcl(0, hex('03 01 00')), { ok: false, reason: 'reserved-frame-type' })
  t.match(decodeZcl(0, hex('04 5F')), { ok: false, reason: 'truncated' }, 'manufacturer code but nothing after')
  t.match(decodeZcl(0, hex('')), { ok: false, reason: 'empty' })
  t.match(decodeZcl(0, new Uint8Array(256)), { ok: false, reason: 'too-long' })
  t.match(decodeZcl(0, hex('10 01')), { ok: false, reason: 'truncated' })
})

// [cluster, frame hex, expected state] — one row per supported attribute and data type.
const reports: Array<[string, number, string, Record<string, unknown>]> = [
  ['temperature -5.25 °C', 0x0402, '18 01 0A 0000 29 F3FD', { temperature: -5.25 }],
  ['temperature minimum −273.15', 0x0402, '18 01 0A 0000 29 4D95', { temperature: -273.15 }],
  ['humidity 45.67 %', 0x0405, '18 01 0A 0000 21 D711', { humidity: 45.67 }],
  ['humidity 100 %', 0x0405, '18 01 0A 0000 21 1027', { humidity: 100 }],
  ['battery 200 → 100 %', 0x0001, '18 01 0A 2100 20 C8', { battery: 100 }],
  ['battery 151 → 76 %', 0x0001, '18 01 0A 2100 20 97', { battery: 76 }],
  ['on', 0x0006, '18 01 0A 0000 10 01', { state: 'ON' }],
  ['off', 0x0006, '18 01 0A 0000 10 00', { state: 'OFF' }],
  ['level 254', 0x0008, '18 01 0A 0000 20 FE', { brightness: 254 }],
  ['level 0', 0x0008, '18 01 0A 0000 20 00', { brightness: 0 }],
  ['occupied', 0x0406, '18 01 0A 0000 18 01', { occupancy: true }],
  ['unoccupied', 0x0406, '18 01 0A 0000 18 00', { occupancy: false }],
  ['occupancy bit 0 only', 0x0406, '18 01 0A 0000 18 FE', { occupancy: false }],
  ['two records', 0x0402, '18 01 0A 0000 29 6608 0000 29 6708', { temperature: 21.51 }],
]
for (const [name, cluster, frame, state] of reports)
  t.test(`report: ${name}`, async (t) => {
    const f = decoded(cluster, hex(frame))
    const r = toState(cluster, f)
    t.same(r.state, state)
    t.same(r.rejected, [])
    t.same(toHex(encodeZcl(cluster, f).data), toHex(hex(frame)), 'encodes back to the same bytes')
  })

// Values outside the cluster's range, or the unknown sentinel: rejected with a reason, never in state.
const refused: Array<[string, number, string, string]> = [
  ['temperature unknown 0x8000', 0x0402, '18 01 0A 0000 29 0080', 'unknown-value'],
  ['temperature below absolute zero', 0x0402, '18 01 0A 0000 29 4C95', 'out-of-range'],
  ['humidity unknown 0xFFFF', 0x0405, '18 01 0A 0000 21 FFFF', 'unknown-value'],
  ['humidity 100.01 %', 0x0405, '18 01 0A 0000 21 1127', 'out-of-range'],
  ['battery invalid 0xFF', 0x0001, '18 01 0A 2100 20 FF', 'unknown-value'],
  ['battery 201', 0x0001, '18 01 0A 2100 20 C9', 'out-of-range'],
  ['on/off invalid 0xFF', 0x0006, '18 01 0A 0000 10 FF', 'unknown-value'],
  ['on/off 0x02', 0x0006, '18 01 0A 0000 10 02', 'out-of-range'],
  ['level 0xFF', 0x0008, '18 01 0A 0000 20 FF', 'unknown-value'],
  ['temperature sent as uint16', 0x0402, '18 01 0A 0000 21 6608', 'wrong-type'],
  ['zone state 2', 0x0500, '18 01 0A 0000 30 02', 'out-of-range'],
]
for (const [name, cluster, frame, reason] of refused)
  t.test(`refused: ${name}`, async (t) => {
    const r = toState(cluster, decoded(cluster, hex(frame)))
    t.same(r.state, {}, 'nothing published')
    t.same(r.rejected, [{ attribute: r.rejected[0]?.attribute, reason }])
  })

t.test('a good and a bad record in one report: the good one is kept', async (t) => {
  const r = toState(0x0402, decoded(0x0402, hex('18 01 0A 0000 29 0080 0000 29 6608')))
  t.same(r.state, { temperature: 21.5 })
  t.same(r.rejected, [{ attribute: 0, reason: 'unknown-value' }])
})

t.test('unknown data type or command rejects the frame; unknown attributes are ignored', async (t) => {
  t.match(decodeZcl(0x0402, hex('18 01 0A 0000 2A 000000')), { ok: false, reason: 'unknown-type' }, 'int24 is not supported')
  t.match(decodeZcl(0x0402, hex('18 01 0A 0000 29 66')), { ok: false, reason: 'truncated' })
  t.match(decodeZcl(0x0402, hex('18 01 0A 0000')), { ok: false, reason: 'truncated' })
  t.match(decodeZcl(0x0402, hex('18 01 0D')), { ok: false, reason: 'unknown-command' })
  t.match(decodeZcl(0x0402, hex('18 01 04')), { ok: false, reason: 'truncated' }, 'a write response needs a status')
  t.match(decodeZcl(0x0402, hex('18 01 07')), { ok: false, reason: 'truncated' }, 'a configure response needs a status')
  t.match(decodeZcl(0x0402, hex('18 01 07 00 00 00')), { ok: false, reason: 'truncated' }, 'a partial failure record')
  t.match(decodeZcl(0x0402, hex('18 01 06 02 0000')), { ok: false, reason: 'bad-direction' })
  t.match(decodeZcl(0x0402, hex('18 01 06 00 0000 2A 0100 0200')), { ok: false, reason: 'unknown-type' }, 'configure with an unknown type')
  t.match(decodeZcl(0x0402, hex('19 01 00')), { ok: false, reason: 'unknown-command' }, 'no cluster commands on temperature')
  t.match(decodeZcl(0x0006, hex('09 01 00')), { ok: false, reason: 'unknown-command' }, 'off is client → server only')
  const r = toState(0x0402, decoded(0x0402, hex('18 01 0A 0100 29 0000 0000 29 6608')))
  t.same(r.ignored, [1])
  t.same(r.state, { temperature: 21.5 })
})

t.test('status names; a manufacturer-specific cluster command is not the standard one', async (t) => {
  t.equal(zclStatusName(0), 'SUCCESS')
  t.equal(zclStatusName(0x81), 'UNSUP_COMMAND')
  t.equal(zclStatusName(0x42), '0x42')
  t.match(decodeZcl(0x0006, hex('05 5F11 01 00')), { ok: false, reason: 'unknown-command' }, 'vendor command 0 on genOnOff is not "off"')
  t.match(decoded(0x0006, hex('10 01 0b 01 81')).command, { name: 'defaultResponse', commandId: 1, status: 0x81 })
})

t.test('manufacturer-specific attributes are never read as standard ones', async (t) => {
  const f = decoded(0x0402, hex('1C 5F11 01 0A 0000 29 6608'))
  t.equal(f.header.manufacturerCode, 0x115f)
  const r = toState(0x0402, f)
  t.same(r.state, {})
  t.same(r.ignored, [0])
})

t.test('genBasic strings: manufacturer and model go to info; bad strings are refused', async (t) => {
  // 'Hearth', 'TH-10' padded with NULs, power source 3 (battery)
  const f = decoded(0, hex('18 02 01 0400 00 42 06 486561727468 0500 00 42 08 54482D3130000000 0700 00 30 03'))
  const r = toState(0, f)
  t.same(r.info, { manufacturer: 'Hearth', model: 'TH-10', powerSource: 3 }, 'trailing NULs trimmed')
  t.same(r.state, {})
  t.match(decodeZcl(0, hex('18 02 01 0400 00 42 FF')), { ok: false, reason: 'bad-string' }, '0xFF length = invalid string')
  t.match(decodeZcl(0, hex('18 02 01 0400 00 42 02 C328')), { ok: false, reason: 'bad-string' }, 'not UTF-8')
  t.match(decodeZcl(0, hex('18 02 01 0400 00 42 05 4142')), { ok: false, reason: 'truncated' })
  const ctl = toState(0, decoded(0, hex('18 02 01 0400 00 42 03 41 1B 42')))
  t.same(ctl.rejected, [{ attribute: 4, reason: 'not-text' }], 'an escape character is refused')
  const failed = toState(0, decoded(0, hex('18 02 01 0500 86')))
  t.same(failed.rejected, [{ attribute: 5, reason: 'read-failed' }], 'unsupported-attribute status')
})

t.test('IAS zone: status change notification and zone status attribute by zone type', async (t) => {
  const notif = (status: number) => decoded(0x0500, encodeZoneStatusChange(9, { zoneStatus: status }).data)
  t.same(toState(0x0500, notif(0x0001), { iasZoneType: 0x0015 }).state, { contact: false, tamper: false, battery_low: false }, 'alarm1 = open')
  t.same(toState(0x0500, notif(0x0000), { iasZoneType: 0x0015 }).state, { contact: true, tamper: false, battery_low: false })
  t.same(toState(0x0500, notif(0x000d), { iasZoneType: 0x000d }).state, { occupancy: true, tamper: true, battery_low: true })
  const unknown = toState(0x0500, notif(0x0001))
  t.same(unknown.state, { tamper: false, battery_low: false })
  t.same(unknown.rejected, [{ attribute: 2, reason: 'no-zone-type' }], 'alarm1 needs the zone type')
  // older devices stop after extendedStatus
  t.match(decodeZcl(0x0500, hex('19 01 00 0100 00')), { ok: true, frame: { command: { name: 'zoneStatusChangeNotification', zoneStatus: 1, extendedStatus: 0 } } })
  const attr = toState(0x0500, decoded(0x0500, hex('18 01 0A 0200 19 0100')), { iasZoneType: 0x0015 })
  t.same(attr.state, { contact: false, tamper: false, battery_low: false })
  const enroll = decoded(0x0500, encodeIasEnrollRequest(3, { zoneType: 0x0015, manufacturerCode: 0x1234 }).data)
  t.same(enroll.command, { name: 'zoneEnrollRequest', zoneType: 0x15, manufacturerCode: 0x1234 })
  t.same(toState(0x0500, enroll).info, { zoneType: 0x15 })
})

t.test('encoders produce the documented bytes', async (t) => {
  const cases: Array<[string, ZclOut, number, string]> = [
    ['on', encodeCommand({ cmd: 'on' }, 1), 0x0006, '010101'],
    ['off', encodeCommand({ cmd: 'off' }, 2), 0x0006, '010200'],
    ['toggle', encodeCommand({ cmd: 'toggle' }, 3), 0x0006, '010302'],
    ['level 100 % → 254', encodeCommand({ cmd: 'level', level: 100 }, 4), 0x0008, '010404fe0000'],
    ['level 50 % → 127, 1 s', encodeCommand({ cmd: 'level', level: 50, transitionDs: 10 }, 5), 0x0008, '0105047f0a00'],
    ['brightness 200', encodeCommand({ cmd: 'brightness', brightness: 200 }, 6), 0x0008, '010604c80000'],
    ['read basic', encodeReadAttributes(0, [4, 5], 7), 0, '1007000400 0500'],
    ['write CIE address', encodeWriteAttributes(0x0500, [{ id: 0x10, type: ZclType.ieee, value: '0x00124b0001020304' }], 8), 0x0500, '100802 1000 f0 04030201004b1200'],
    ['configure temperature', encodeConfigureReporting(0x0402, [{ direction: 0, id: 0, type: ZclType.int16, minInterval: 10, maxInterval: 300, reportableChange: 10 }], 9), 0x0402, '100906 00 0000 29 0a00 2c01 0a00'],
    ['configure on/off (discrete: no change)', encodeConfigureReporting(6, [{ direction: 0, id: 0, type: ZclType.bool, minInterval: 0, maxInterval: 300 }], 10), 6, '100a06 00 0000 10 0000 2c01'],
    ['enroll response', encodeIasEnrollResponse(11, { zoneId: 1 }), 0x0500, '010b00 00 01'],
    ['default response', encodeDefaultResponse(6, { commandId: 1, status: 0 }, 12), 6, '100c0b 01 00'],
  ]
  for (const [name, out, cluster, bytes] of cases) {
    t.equal(out.clusterId, cluster, `${name}: cluster`)
    t.equal(toHex(out.data), bytes.replace(/\s+/g, ''), `${name}: bytes`)
    t.ok(decodeZcl(out.clusterId, out.data).ok, `${name}: decodes`)
  }
  t.throws(() => encodeCommand({ cmd: 'level', level: 101 }, 1), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => encodeCommand({ cmd: 'brightness', brightness: -1 }, 1), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => encodeReport(0x0402, [{ id: 0, type: ZclType.int16, value: 40000 }], 1), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => encodeReport(0x0402, [{ id: 0, type: 0x2a, value: 1 }], 1), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => encodeReport(0, [{ id: 4, type: ZclType.charStr, value: 'x'.repeat(255) }], 1), { code: 'HUB_ERR_BAD_REQUEST' })
  t.throws(() => encodeCommand({ cmd: 'on' }, 256), { code: 'HUB_ERR_BAD_REQUEST' })
})

t.test('round trips: every encoder output decodes to what was encoded', async (t) => {
  const frames: ZclOut[] = [
    encodeReadAttributesResponse(0, [{ id: 4, status: 0, type: ZclType.charStr, value: 'Hearth' }, { id: 7, status: 0x86 }], 1),
    encodeWriteAttributesResponse(0x0500, [], 2),
    encodeWriteAttributesResponse(0x0500, [{ status: 0x87, id: 0x10 }], 3),
    encodeConfigureReportingResponse(0x0402, [], 4),
    encodeConfigureReportingResponse(0x0402, [{ status: 0x8c, direction: 0, id: 0 }], 5),
    encodeConfigureReporting(0x0402, [{ direction: 1, id: 0, timeout: 600 }], 6),
    encodeReport(0x0001, [{ id: 0x21, type: ZclType.uint8, value: 150 }, { id: 0x20, type: ZclType.uint32, value: 0xfedcba98 }], 7),
    encodeReport(0x0000, [{ id: 1, type: ZclType.int8, value: -128 }, { id: 2, type: ZclType.enum16, value: 0xfffe }, { id: 3, type: ZclType.bitmap16, value: 0x8001 }], 8),
    encodeReport(0x0000, [{ id: 0x10, type: ZclType.ieee, value: '0xffeeddccbbaa9988' }, { id: 0x11, type: ZclType.bool, value: true }], 9, { manufacturerCode: 0x1037 }),
    encodeZoneStatusChange(10, { zoneStatus: 0x0025, extendedStatus: 0, zoneId: 3, delay: 40 }),
  ]
  for (const out of frames) {
    const f = decoded(out.clusterId, out.data)
    t.same(toHex(encodeZcl(out.clusterId, f).data), toHex(out.data))
  }
  const rr = decoded(0, frames[0]!.data)
  t.same(rr.command, { name: 'readAttributesResponse', records: [{ id: 4, status: 0, type: 0x42, value: 'Hearth' }, { id: 7, status: 0x86 }] })
  const ieee = decoded(0, frames[8]!.data)
  t.match(ieee.command, { records: [{ value: '0xffeeddccbbaa9988' }, { value: true }] })
  t.equal(toHex(frames[8]!.data), '1c3710090a' + '1000f08899aabbccddeeff' + '1100' + '1001', 'manufacturer code and IEEE little-endian')
})
