import type { TSchema } from '@sinclair/typebox'
import type { ValidateFunction } from 'ajv'
import { compile } from '../../core/validate.js'
import { DEVICE_KINDS, type DeviceKind, type PayloadValue } from '../../policy/device-kinds.js'
import { CLUSTERS, ClusterId, IasZoneType } from './clusters.js'
import type { DeviceCommand } from './encode.js'
import type { ReportingRecord } from './frame.js'
import type { StateValue } from './state.js'

/**
 * Device models: from what a device says it serves (the in-clusters of its simple descriptors,
 * plus the IAS zone type for an IAS zone) to one of the hub's device kinds
 * (src/policy/device-kinds.ts). The kind gives the device its payload schema, its commands and
 * its Home Assistant entities, through the same machinery as an MQTT device. Pure.
 */

/** The part of a ZDO simple descriptor the model needs. */
export interface EndpointDescriptor { endpoint: number; inClusters: readonly number[] }

/** What the coordinator does with a device of this model after the interview. */
export interface ZigbeeModel {
  kind: DeviceKind
  /** The endpoint that serves the kind's clusters: reports come from it, commands go to it. */
  endpoint: number
  /** Clusters to bind to the coordinator (ZDO bind), so the device reports to the hub. */
  bind: number[]
  /** Reporting to configure, per cluster (defaults from the cluster table). */
  reporting: Array<{ clusterId: number; entries: ReportingRecord[] }>
  /** Attributes to read once after the interview, for an initial state. */
  read: Array<{ clusterId: number; ids: number[] }>
  /** The device is an IAS zone: write the CIE address, answer its enroll request. */
  iasEnroll: boolean
  /** State fields of the kind. */
  fields: string[]
}

export type ModelResult = { ok: true; model: ZigbeeModel } | { ok: false; reason: 'unsupported' | 'need-zone-type' }

/** Which clusters a kind's state comes from, in the order they are bound. */
const KIND_CLUSTERS: Readonly<Record<DeviceKind, readonly number[]>> = {
  temperature: [ClusterId.msTemperatureMeasurement, ClusterId.msRelativeHumidity, ClusterId.genPowerCfg],
  switch: [ClusterId.genOnOff],
  light: [ClusterId.genOnOff, ClusterId.genLevelCtrl],
  contact: [ClusterId.ssIasZone, ClusterId.genPowerCfg],
  motion: [ClusterId.ssIasZone, ClusterId.msOccupancySensing, ClusterId.genPowerCfg],
}

function pick(ep: EndpointDescriptor, iasZoneType: number | undefined): DeviceKind | 'need-zone-type' | undefined {
  const has = (c: number) => ep.inClusters.includes(c)
  if (has(ClusterId.ssIasZone)) {
    if (iasZoneType === undefined) return 'need-zone-type'
    if (iasZoneType === IasZoneType.contact) return 'contact'
    if (iasZoneType === IasZoneType.motion) return 'motion'
  }
  if (has(ClusterId.msOccupancySensing)) return 'motion'
  if (has(ClusterId.genOnOff)) return has(ClusterId.genLevelCtrl) ? 'light' : 'switch'
  if (has(ClusterId.msTemperatureMeasurement) || has(ClusterId.msRelativeHumidity)) return 'temperature'
  return undefined
}

/**
 * The model for a device: the first endpoint (in the order given) with a supported kind.
 * An IAS zone needs its zone type first (read ssIasZone 0x0001, or take it from the enroll
 * request): without it the answer is `need-zone-type`.
 */
export function modelFor(endpoints: EndpointDescriptor | readonly EndpointDescriptor[], opts: { iasZoneType?: number } = {}): ModelResult {
  const list = Array.isArray(endpoints) ? endpoints : [endpoints as EndpointDescriptor]
  let needZone = false
  for (const ep of list) {
    const kind = pick(ep, opts.iasZoneType)
    if (kind === 'need-zone-type') needZone = true
    else if (kind) return { ok: true, model: build(kind, ep) }
  }
  return { ok: false, reason: needZone ? 'need-zone-type' : 'unsupported' }
}

function build(kind: DeviceKind, ep: EndpointDescriptor): ZigbeeModel {
  const clusters = KIND_CLUSTERS[kind].filter((c) => ep.inClusters.includes(c))
  const reporting: ZigbeeModel['reporting'] = []
  const read: ZigbeeModel['read'] = []
  for (const c of clusters) {
    const attrs = CLUSTERS.get(c)!.attributes.filter((a) => a.target === 'state')
    const entries: ReportingRecord[] = []
    for (const a of attrs)
      if (a.reporting)
        entries.push({ direction: 0, id: a.id, type: a.type, minInterval: a.reporting.minInterval, maxInterval: a.reporting.maxInterval, ...(a.reporting.change !== undefined ? { reportableChange: a.reporting.change } : {}) })
    if (entries.length) reporting.push({ clusterId: c, entries })
    if (attrs.length) read.push({ clusterId: c, ids: attrs.map((a) => a.id) })
  }
  return {
    kind,
    endpoint: ep.endpoint,
    bind: clusters.filter((c) => c !== ClusterId.ssIasZone),
    reporting,
    read,
    iasEnroll: clusters.includes(ClusterId.ssIasZone),
    fields: Object.keys((DEVICE_KINDS[kind].schema as unknown as { properties: object }).properties),
  }
}

// One validator per kind and state field, compiled once at load from the kinds' own property
// schemas (the same schemas the broker checks MQTT publishes against); read-only afterwards.
const FIELD_VALIDATORS: ReadonlyMap<DeviceKind, ReadonlyMap<string, ValidateFunction>> = new Map(
  (Object.keys(DEVICE_KINDS) as DeviceKind[]).map((kind) => [
    kind,
    new Map(Object.entries((DEVICE_KINDS[kind].schema as unknown as { properties: Record<string, TSchema> }).properties).map(([f, schema]) => [f, compile('payload', schema)])),
  ]),
)

/**
 * Keeps the fields a kind publishes and checks each against the kind's schema (the policy range
 * check, with the kind's own field schemas as for an MQTT device's publish). Fields the kind does
 * not have are dropped; values the schema refuses are rejected for the caller to count.
 */
export function shapeState(kind: DeviceKind, state: Record<string, StateValue>): { payload: Record<string, StateValue>; rejected: Array<{ field: string; reason: 'not-in-kind' | 'kind-range' }> } {
  const fields = FIELD_VALIDATORS.get(kind)
  const payload: Record<string, StateValue> = {}
  const rejected: Array<{ field: string; reason: 'not-in-kind' | 'kind-range' }> = []
  for (const [field, value] of Object.entries(state)) {
    const validate = fields?.get(field)
    if (!validate) rejected.push({ field, reason: 'not-in-kind' })
    else if ((typeof value !== 'number' || Number.isFinite(value)) && validate(value)) payload[field] = value
    else rejected.push({ field, reason: 'kind-range' })
  }
  return { payload, rejected }
}

/**
 * A validated `hearth/<id>/set` payload (validateCommand) → the ZCL commands to send, in order.
 * switch: state ON/OFF/TOGGLE. light: a brightness moves to that level with on/off (0 is off);
 * state OFF or TOGGLE wins over a brightness; state ON alone switches on.
 */
export function commandsFor(kind: DeviceKind, payload: PayloadValue): DeviceCommand[] {
  const state = payload.state
  if (kind === 'switch' || kind === 'light') {
    if (state === 'OFF') return [{ cmd: 'off' }]
    if (state === 'TOGGLE') return [{ cmd: 'toggle' }]
    if (kind === 'light' && typeof payload.brightness === 'number') return [{ cmd: 'brightness', brightness: payload.brightness }]
    if (state === 'ON') return [{ cmd: 'on' }]
  }
  return []
}
