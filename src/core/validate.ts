import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import type { TSchema } from '@sinclair/typebox'

/**
 * One Ajv configuration per trust boundary, stated here and nowhere else (STYLE.md).
 * - config: report every error, never coerce (a string "8883" in a JSON file is an error).
 * - payload: MQTT payloads, admin-socket requests — reject unknown fields, never strip or coerce.
 */
const BOUNDARIES = {
  // Compiled once and run once at start: Ajv's code optimiser costs more than it saves here.
  config: { allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false, code: { optimize: false } },
  payload: { allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false },
} satisfies Record<string, Options>

/**
 * Options every instance shares. `validateSchema: false`: our schemas are written in TypeBox
 * and checked against the JSON Schema meta-schema by test/core/validate.test.ts, so the hub
 * need not compile the meta-schema at every start (≈ 30–100 ms per instance on a Pi-class CPU).
 */
const COMMON = { strict: false, allowUnionTypes: true, validateSchema: false } satisfies Options

export type Boundary = keyof typeof BOUNDARIES

const instances = new Map<Boundary, Ajv>()

function ajvFor(boundary: Boundary): Ajv {
  let ajv = instances.get(boundary)
  if (!ajv) {
    ajv = new Ajv({ ...BOUNDARIES[boundary], ...COMMON })
    instances.set(boundary, ajv)
  }
  return ajv
}

/**
 * Compiles a TypeBox schema for a boundary. Compile once, at module or service construction.
 * `cache: false` uses a throwaway Ajv instance, for one-shot validation at start-up (the config)
 * whose memory should be freed afterwards: an SD-card hub has 0.5–4 GB of RAM.
 */
export function compile<T>(boundary: Boundary, schema: TSchema, opts: { cache?: boolean } = {}): ValidateFunction<T> {
  const ajv = opts.cache === false ? new Ajv({ ...BOUNDARIES[boundary], ...COMMON }) : ajvFor(boundary)
  return ajv.compile<T>(schema)
}

/** `/mqtt/port` → `mqtt.port`; an additionalProperties error names the unknown field. */
export function errorPath(e: ErrorObject): string {
  const base = e.instancePath.split('/').filter(Boolean)
  if (e.keyword === 'additionalProperties') base.push(String(e.params.additionalProperty))
  if (e.keyword === 'required') base.push(String(e.params.missingProperty))
  return base.join('.') || '(root)'
}

/** A short phrase for what a schema accepts, for one-line error messages. */
export function describeExpected(schema: Record<string, unknown> | undefined): string {
  if (!schema) return 'no such field'
  if (Array.isArray(schema.anyOf)) {
    const lits = (schema.anyOf as Array<{ const?: unknown }>).map((s) => s.const)
    if (lits.every((l) => l !== undefined)) return 'one of ' + lits.join(', ')
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const kind = schema.type === 'integer' ? 'an integer' : 'a number'
    if (schema.minimum !== undefined && schema.maximum !== undefined) return `${kind} from ${schema.minimum} to ${schema.maximum}`
    return kind
  }
  if (schema.type === 'string') {
    const parts = ['a string']
    if (schema.maxLength !== undefined) parts.push(`of at most ${schema.maxLength} characters`)
    if (schema.pattern !== undefined) parts.push(`matching ${schema.pattern}`)
    return parts.join(' ')
  }
  if (schema.type === 'boolean') return 'true or false'
  if (schema.type === 'object') return 'an object'
  return String(schema.type ?? 'a valid value')
}
