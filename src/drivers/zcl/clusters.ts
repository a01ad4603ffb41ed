import { ZclType, type ZclTypeId } from './types.js'

/**
 * The clusters the hub understands, as data: for each attribute its id, ZCL type, the range of
 * raw values the cluster specification allows, the "unknown"/"invalid" sentinel, and the state
 * field it maps to. Ranges and sentinels are from the ZCL rev 7 cluster chapters (3.2 Basic,
 * 3.3 Power Configuration, 3.8 On/Off, 3.10 Level Control, 4.4 Temperature Measurement,
 * 4.7 Relative Humidity, 4.8 Occupancy Sensing, 8.2 IAS Zone) and ../../shared/design/ZIGBEE.md.
 */
export const ClusterId = {
  genBasic: 0x0000,
  genPowerCfg: 0x0001,
  genOnOff: 0x0006,
  genLevelCtrl: 0x0008,
  msTemperatureMeasurement: 0x0402,
  msRelativeHumidity: 0x0405,
  msOccupancySensing: 0x0406,
  ssIasZone: 0x0500,
} as const

export type ClusterName = keyof typeof ClusterId

/** IAS zone types (ZCL 8.2.2.2.1.3) the hub turns into a device kind. */
export const IasZoneType = { motion: 0x000d, contact: 0x0015 } as const

/**
 * How a raw value becomes a state value:
 * - `raw`: as is; `div100`: ÷ 100 (°C, %RH); `half`: ÷ 2, rounded (battery in 0.5 % steps);
 * - `onOff`: boolean → `"ON"`/`"OFF"` (the `switch`/`light` kinds' `state`);
 * - `bit0`: bit 0 of a bitmap → boolean (occupancy);
 * - `text`: a char string, trimmed of trailing NULs, printable only;
 * - `iasZoneStatus`: the zone status bitmap → alarm1 as `contact` (inverted: closed = no alarm) or
 *   `occupancy` by zone type, bit 2 `tamper`, bit 3 `battery_low`.
 */
export type Conversion = 'raw' | 'div100' | 'half' | 'onOff' | 'bit0' | 'text' | 'iasZoneStatus'

/** Default attribute reporting the hub configures after binding (ZCL 2.5.7). */
export interface ReportingDefault { minInterval: number; maxInterval: number; change?: number }

export interface AttributeSpec {
  id: number
  name: string
  type: ZclTypeId
  /** `state` fields are published on `hearth/<id>/state`; `info` ones describe the device (interview). */
  target: 'state' | 'info'
  /** The state or info field (for `iasZoneStatus`, the fields are chosen by the zone type). */
  field: string
  convert: Conversion
  /** Valid raw range, inclusive; outside it a value is rejected, never published. */
  min?: number
  max?: number
  /** The raw value that means "unknown" or "invalid"; rejected, never published. */
  unknown?: number
  reporting?: ReportingDefault
}

export interface ClusterSpec { id: number; name: ClusterName; attributes: readonly AttributeSpec[] }

const spec = (name: ClusterName, attributes: AttributeSpec[]): ClusterSpec => ({ id: ClusterId[name], name, attributes })

/** Every supported cluster, by id. */
export const CLUSTERS: ReadonlyMap<number, ClusterSpec> = new Map(
  [
    spec('genBasic', [
      { id: 0x0004, name: 'manufacturerName', type: ZclType.charStr, target: 'info', field: 'manufacturer', convert: 'text' },
      { id: 0x0005, name: 'modelId', type: ZclType.charStr, target: 'info', field: 'model', convert: 'text' },
      // 0x00–0x06, optionally with bit 7 (secondary battery backup).
      { id: 0x0007, name: 'powerSource', type: ZclType.enum8, target: 'info', field: 'powerSource', convert: 'raw', min: 0, max: 0x86 },
    ]),
    spec('genPowerCfg', [
      {
        id: 0x0021, name: 'batteryPercentageRemaining', type: ZclType.uint8, target: 'state', field: 'battery', convert: 'half',
        min: 0, max: 200, unknown: 0xff, reporting: { minInterval: 3600, maxInterval: 43200, change: 2 },
      },
    ]),
    spec('genOnOff', [
      // bool: 0x00 off, 0x01 on, 0xFF invalid (ZCL 2.6.2.3); any other byte is out of range.
      { id: 0x0000, name: 'onOff', type: ZclType.bool, target: 'state', field: 'state', convert: 'onOff', unknown: 0xff, reporting: { minInterval: 0, maxInterval: 300 } },
    ]),
    spec('genLevelCtrl', [
      {
        id: 0x0000, name: 'currentLevel', type: ZclType.uint8, target: 'state', field: 'brightness', convert: 'raw',
        min: 0, max: 254, unknown: 0xff, reporting: { minInterval: 1, maxInterval: 300, change: 1 },
      },
    ]),
    spec('msTemperatureMeasurement', [
      {
        id: 0x0000, name: 'measuredValue', type: ZclType.int16, target: 'state', field: 'temperature', convert: 'div100',
        min: -27315, max: 32767, unknown: -0x8000, reporting: { minInterval: 10, maxInterval: 300, change: 10 },
      },
    ]),
    spec('msRelativeHumidity', [
      {
        id: 0x0000, name: 'measuredValue', type: ZclType.uint16, target: 'state', field: 'humidity', convert: 'div100',
        min: 0, max: 10000, unknown: 0xffff, reporting: { minInterval: 10, maxInterval: 300, change: 100 },
      },
    ]),
    spec('msOccupancySensing', [
      { id: 0x0000, name: 'occupancy', type: ZclType.bitmap8, target: 'state', field: 'occupancy', convert: 'bit0', reporting: { minInterval: 0, maxInterval: 300 } },
    ]),
    spec('ssIasZone', [
      { id: 0x0000, name: 'zoneState', type: ZclType.enum8, target: 'info', field: 'zoneState', convert: 'raw', min: 0, max: 1 },
      { id: 0x0001, name: 'zoneType', type: ZclType.enum16, target: 'info', field: 'zoneType', convert: 'raw', min: 0, max: 0xfffe },
      { id: 0x0002, name: 'zoneStatus', type: ZclType.bitmap16, target: 'state', field: 'zoneStatus', convert: 'iasZoneStatus' },
      { id: 0x0010, name: 'iasCieAddr', type: ZclType.ieee, target: 'info', field: 'cieAddress', convert: 'raw' },
    ]),
  ].map((c) => [c.id, c]),
)

/** The spec of one attribute, or undefined if the hub does not use it. */
export function attributeSpec(clusterId: number, attrId: number): AttributeSpec | undefined {
  return CLUSTERS.get(clusterId)?.attributes.find((a) => a.id === attrId)
}
