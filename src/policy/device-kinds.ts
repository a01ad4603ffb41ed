import { Type, type TSchema } from '@sinclair/typebox'
import type { ValidateFunction } from 'ajv'
import { HubError } from '../core/errors.js'
import { compile, errorPath } from '../core/validate.js'
import { isDeviceId } from './acl.js'
import { fastAccepts, fastSchemaOf, type FastSchema } from './payload-fast.js'

/**
 * The kinds of device the hub understands: what a state report on `hearth/<id>/state` and a
 * command on `hearth/<id>/set` may contain, and how Home Assistant should show them.
 * Payloads are untrusted: each is size-checked before it is parsed, then validated against a
 * closed schema (unknown fields are refused, never stripped) on the `payload` boundary.
 */

const Battery = Type.Integer({ minimum: 0, maximum: 100, description: 'Battery charge, %' })
const OnOff = Type.Union([Type.Literal('ON'), Type.Literal('OFF')])
const OnOffToggle = Type.Union([Type.Literal('ON'), Type.Literal('OFF'), Type.Literal('TOGGLE')])
const Brightness = Type.Integer({ minimum: 0, maximum: 254, description: 'Brightness, 0-254 (ZCL Level)' })

/** A state report: only known fields, each optional, at least one present. */
const report = (props: Record<string, TSchema>) =>
  Type.Object(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, Type.Optional(s)])), { additionalProperties: false, minProperties: 1 })

/** One Home Assistant entity of a device, published by MQTT discovery. */
export interface HaComponent {
  component: 'sensor' | 'binary_sensor' | 'switch' | 'light'
  /** The state field it shows; also the discovery object id and unique id suffix. */
  field: string
  /** Entity name shown after the device name; `null` makes it the device's main feature. */
  name: string | null
  device_class?: string
  unit_of_measurement?: string
  state_class?: 'measurement'
  entity_category?: 'diagnostic'
  /** binary_sensor: the field value HA calls "on" (door open, motion detected). */
  on_value?: boolean
}

/** What the hub knows about one kind of device. */
export interface KindSpec {
  description: string
  /** Payload of `hearth/<id>/state`. */
  schema: TSchema
  /** Payload of `hearth/<id>/set`, or `null` if the kind takes no commands. */
  commandSchema: TSchema | null
  haComponents: readonly HaComponent[]
}

const battery: HaComponent = {
  component: 'sensor', field: 'battery', name: 'Battery', device_class: 'battery',
  unit_of_measurement: '%', state_class: 'measurement', entity_category: 'diagnostic',
}

// Alarm sensors (e.g. Zigbee IAS zones) also report a tamper switch and a low-battery flag.
const Tamper = Type.Boolean({ description: 'true while the case is open (tamper switch)' })
const BatteryLow = Type.Boolean({ description: 'true when the battery needs replacing' })
const tamper: HaComponent = { component: 'binary_sensor', field: 'tamper', name: 'Tamper', device_class: 'tamper', entity_category: 'diagnostic', on_value: true }
const batteryLow: HaComponent = { component: 'binary_sensor', field: 'battery_low', name: 'Battery low', device_class: 'battery', entity_category: 'diagnostic', on_value: true }

/** Every device kind, by name. */
export const DEVICE_KINDS = {
  temperature: {
    description: 'Temperature and humidity sensor',
    schema: report({
      temperature: Type.Number({ minimum: -40, maximum: 125, description: 'Temperature, °C' }),
      humidity: Type.Number({ minimum: 0, maximum: 100, description: 'Relative humidity, %' }),
      battery: Battery,
    }),
    commandSchema: null,
    haComponents: [
      { component: 'sensor', field: 'temperature', name: 'Temperature', device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement' },
      { component: 'sensor', field: 'humidity', name: 'Humidity', device_class: 'humidity', unit_of_measurement: '%', state_class: 'measurement' },
      battery,
    ],
  },
  contact: {
    description: 'Door or window contact; contact: true means closed (magnet present)',
    schema: report({ contact: Type.Boolean({ description: 'true when closed' }), battery: Battery, tamper: Tamper, battery_low: BatteryLow }),
    commandSchema: null,
    // HA's `opening` class is "on" when open, i.e. when there is no contact.
    haComponents: [{ component: 'binary_sensor', field: 'contact', name: 'Contact', device_class: 'opening', on_value: false }, battery, tamper, batteryLow],
  },
  switch: {
    description: 'On/off switch or plug',
    schema: report({ state: OnOff }),
    commandSchema: Type.Object({ state: OnOffToggle }, { additionalProperties: false }),
    haComponents: [{ component: 'switch', field: 'state', name: null, device_class: 'switch' }],
  },
  motion: {
    description: 'Motion (occupancy) sensor',
    schema: report({ occupancy: Type.Boolean({ description: 'true while motion is detected' }), battery: Battery, tamper: Tamper, battery_low: BatteryLow }),
    commandSchema: null,
    haComponents: [{ component: 'binary_sensor', field: 'occupancy', name: 'Motion', device_class: 'motion', on_value: true }, battery, tamper, batteryLow],
  },
  light: {
    description: 'Dimmable light',
    schema: report({ state: OnOff, brightness: Brightness }),
    commandSchema: report({ state: OnOffToggle, brightness: Brightness }),
    haComponents: [{ component: 'light', field: 'state', name: null }],
  },
} as const satisfies Record<string, KindSpec>

/** A device kind's name. */
export type DeviceKind = keyof typeof DEVICE_KINDS

/** True iff `s` names a device kind (own keys only: `constructor` or `__proto__` are not kinds). */
export function isDeviceKind(s: unknown): s is DeviceKind {
  return typeof s === 'string' && Object.hasOwn(DEVICE_KINDS, s)
}

type Validators = {
  state: ValidateFunction
  command: ValidateFunction | null
  /** The byte-level acceptance check of payload-fast.ts, where the schema's shape allows one. */
  stateFast: FastSchema | null
  commandFast: FastSchema | null
}
// Compiled once, at load (validate.ts: "compile once"); read-only afterwards.
const VALIDATORS = Object.fromEntries(
  Object.entries(DEVICE_KINDS).map(([k, spec]) => [
    k,
    {
      state: compile('payload', spec.schema),
      command: spec.commandSchema ? compile('payload', spec.commandSchema) : null,
      stateFast: fastSchemaOf(spec.schema),
      commandFast: spec.commandSchema ? fastSchemaOf(spec.commandSchema) : null,
    },
  ]),
) as Readonly<Record<DeviceKind, Validators>>

/** A validated state or command: a flat object of known fields. */
export type PayloadValue = Readonly<Record<string, string | number | boolean>>

/** The outcome of validating a payload; `detail` names the field, never echoes the value. */
export type PayloadResult =
  | { ok: true; value: PayloadValue }
  | { ok: false; reason: 'too-large' | 'not-json' | 'not-object' | 'schema'; detail: string }

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v
}

/** Strict UTF-8 (a stateless decoder: `fatal`, never streaming), made once rather than per message. */
const UTF8 = new TextDecoder('utf-8', { fatal: true })

function check(validate: ValidateFunction, payload: Buffer, maxBytes: number): PayloadResult {
  // Size first: nothing is decoded or parsed beyond the cap.
  if (payload.length > maxBytes) return { ok: false, reason: 'too-large', detail: `${payload.length} bytes, at most ${maxBytes}` }
  let value: unknown
  try {
    value = JSON.parse(UTF8.decode(payload))
  } catch {
    return { ok: false, reason: 'not-json', detail: 'not UTF-8 JSON text' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: 'not-object', detail: `expected a JSON object, got ${describe(value)}` }
  // JSON has no NaN, but `1e999` parses to Infinity; refuse it whatever the schema says.
  for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && !Number.isFinite(v)) return { ok: false, reason: 'schema', detail: `${k}: not a finite number` }
  if (!validate(value)) {
    const e = validate.errors?.[0]
    return { ok: false, reason: 'schema', detail: e ? `${errorPath(e)}: ${e.message ?? 'invalid'}` : 'invalid' }
  }
  return { ok: true, value: value as PayloadValue }
}

/**
 * Validates a state report for `kind`: at most `maxBytes` bytes (checked before parsing),
 * UTF-8 JSON, an object, every field known and in range, at least one field.
 * An empty payload is `not-json`: on a retained topic it would clear the retained state
 * [MQTT-3.3.1-10], which is the broker's decision, not a state report.
 */
export function validateState(kind: DeviceKind, payload: Buffer, maxBytes: number): PayloadResult {
  if (!isDeviceKind(kind)) return { ok: false, reason: 'schema', detail: 'unknown device kind' }
  return check(VALIDATORS[kind].state, payload, maxBytes)
}

/**
 * True only if `validateState(kind, payload, maxBytes).ok` is surely true, decided on the bytes
 * without decoding or parsing (payload-fast.ts); false means "not sure": ask `validateState`,
 * which decides and gives the reason. The broker's hot path: no allocation.
 */
export function stateSurelyValid(kind: DeviceKind, payload: Buffer, maxBytes: number): boolean {
  const fast = isDeviceKind(kind) ? VALIDATORS[kind].stateFast : null
  return fast !== null && payload.length <= maxBytes && fastAccepts(fast, payload)
}

/** As `stateSurelyValid`, for a command (`validateCommand`). */
export function commandSurelyValid(kind: DeviceKind, payload: Buffer, maxBytes: number): boolean {
  const fast = isDeviceKind(kind) ? VALIDATORS[kind].commandFast : null
  return fast !== null && payload.length <= maxBytes && fastAccepts(fast, payload)
}

/** Validates a command for `kind` (payload of `hearth/<id>/set`); kinds without commands refuse all. */
export function validateCommand(kind: DeviceKind, payload: Buffer, maxBytes: number): PayloadResult {
  if (!isDeviceKind(kind)) return { ok: false, reason: 'schema', detail: 'unknown device kind' }
  const v = VALIDATORS[kind].command
  if (!v) return { ok: false, reason: 'schema', detail: `a ${kind} device takes no commands` }
  return check(v, payload, maxBytes)
}

const HUB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Home Assistant MQTT discovery configs for one device: one retained message per entity on
 * `homeassistant/<component>/hearth_<id>/<field>/config` (node id `hearth_<id>`, object id
 * `<field>`, both within HA's `[a-zA-Z0-9_-]`). Every entity reads the device's full state
 * from `hearth/<id>/state` and its availability (`online`/`offline`, HA's defaults) from
 * `hearth/<id>/availability`.
 *
 * - sensor: `value_template` `{{ value_json.<field> }}`, device class, unit, state class.
 * - binary_sensor: the template renders a JSON boolean as `True`/`False`; HA turns the
 *   boolean `payload_on`/`payload_off` of the config into the same strings.
 * - switch: commands are `{"state":"ON"}` / `{"state":"OFF"}` on `hearth/<id>/set`;
 *   `state_on`/`state_off` say how `{{ value_json.state }}` reads back.
 * - light: HA's `json` schema (it reads and writes our JSON directly, no templates);
 *   brightness on our 0-254 scale, no flash or transition (our command schema has neither).
 *
 * @throws HubError `HUB_ERR_BAD_REQUEST` for a malformed device id, hub id or kind.
 */
export function homeAssistantDiscovery(device: { id: string; name: string; kind: DeviceKind }, hubId: string): Array<{ topic: string; payload: object }> {
  if (!isDeviceId(device.id)) throw new HubError('HUB_ERR_BAD_REQUEST', 'malformed device id', { deviceId: device.id })
  if (!HUB_ID_PATTERN.test(hubId)) throw new HubError('HUB_ERR_BAD_REQUEST', 'malformed hub id')
  if (!isDeviceKind(device.kind)) throw new HubError('HUB_ERR_BAD_REQUEST', 'unknown device kind', { kind: device.kind })
  const { id } = device
  const base = `hearth/${id}`
  const dev = { identifiers: [`hearth_${id}`], name: device.name, manufacturer: 'Hearth', via_device: `hearth_${hubId}` }
  const specs: readonly HaComponent[] = DEVICE_KINDS[device.kind].haComponents
  return specs.map((c) => {
    const payload: Record<string, unknown> = {
      name: c.name,
      unique_id: `hearth_${id}_${c.field}`,
      state_topic: `${base}/state`,
      availability_topic: `${base}/availability`,
      device: { ...dev, identifiers: [...dev.identifiers] },
      origin: { name: 'Hearth' },
    }
    if (c.device_class) payload.device_class = c.device_class
    if (c.unit_of_measurement) payload.unit_of_measurement = c.unit_of_measurement
    if (c.state_class) payload.state_class = c.state_class
    if (c.entity_category) payload.entity_category = c.entity_category
    switch (c.component) {
      case 'sensor':
        payload.value_template = `{{ value_json.${c.field} }}`
        break
      case 'binary_sensor':
        payload.value_template = `{{ value_json.${c.field} }}`
        payload.payload_on = c.on_value ?? true
        payload.payload_off = !(c.on_value ?? true)
        break
      case 'switch':
        payload.value_template = `{{ value_json.${c.field} }}`
        payload.command_topic = `${base}/set`
        payload.payload_on = JSON.stringify({ state: 'ON' })
        payload.payload_off = JSON.stringify({ state: 'OFF' })
        payload.state_on = 'ON'
        payload.state_off = 'OFF'
        break
      case 'light':
        Object.assign(payload, {
          schema: 'json',
          command_topic: `${base}/set`,
          brightness: true,
          brightness_scale: 254,
          supported_color_modes: ['brightness'],
          flash: false,
          transition: false,
        })
        break
    }
    return { topic: `homeassistant/${c.component}/hearth_${id}/${c.field}/config`, payload }
  })
}
