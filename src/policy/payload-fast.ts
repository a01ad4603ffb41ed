import type { TSchema } from '@sinclair/typebox'

/**
 * A one-pass, allocation-free acceptance check for the common shape of a device payload — a
 * flat JSON object of known fields — run on the raw bytes before the full check (UTF-8 decode,
 * JSON.parse, the Ajv-compiled schema in device-kinds.ts). It answers only "surely valid" or
 * "not sure": it never refuses anything itself. A payload it is not sure about goes through the
 * full check, which decides, so every refusal and its reason is exactly what the schema says.
 * It must never call "valid" a payload the full check refuses; test/policy/payload-fast.test.ts
 * checks that against the Ajv validator on a differential fuzz corpus.
 *
 * Surely valid means: ASCII only; JSON whitespace; one object; each key a known field spelled
 * plainly (no escapes), at most once; every required field present; at least `minProperties`
 * fields; values are `true`/`false` for booleans, an allowed literal spelled plainly for string
 * enums, and for numbers `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with at most 15 integer digits and no
 * exponent, whose exact decimal value lies within the schema's integer bounds (the double
 * JSON.parse rounds it to then lies within them too: the bounds are representable and rounding
 * is monotone); integers have no fraction part. Anything else is "not sure".
 */

type Rule =
  | { type: 'number' | 'integer'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'literal'; values: readonly Buffer[] }

export interface FastSchema {
  readonly names: readonly Buffer[]
  readonly rules: readonly Rule[]
  /** Bit i set: field i is required. */
  readonly required: number
  readonly minProperties: number
}

const OBJECT_KEYS = new Set(['type', 'properties', 'additionalProperties', 'minProperties', 'required', 'description'])
const NUMBER_KEYS = new Set(['type', 'minimum', 'maximum', 'description'])
const SIMPLE_TEXT = /^[\x20-\x7e]*$/
const FIELD_NAME = /^[A-Za-z0-9_]{1,64}$/

const onlyKeys = (o: object, allowed: Set<string>) => Object.keys(o).every((k) => allowed.has(k))

function ruleOf(s: Record<string, unknown>): Rule | null {
  if ((s.type === 'number' || s.type === 'integer') && onlyKeys(s, NUMBER_KEYS)) {
    const { minimum: min, maximum: max } = s
    // Integer bounds within ±2^53 only: the comparison below is exact for those.
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) return null
    return { type: s.type, min: min as number, max: max as number }
  }
  if (s.type === 'boolean' && onlyKeys(s, new Set(['type', 'description']))) return { type: 'boolean' }
  if (Array.isArray(s.anyOf) && onlyKeys(s, new Set(['anyOf', 'description']))) {
    const values: Buffer[] = []
    for (const alt of s.anyOf as Array<Record<string, unknown>>) {
      if (!onlyKeys(alt, new Set(['const', 'type'])) || (alt.type !== undefined && alt.type !== 'string')) return null
      if (typeof alt.const !== 'string' || !SIMPLE_TEXT.test(alt.const) || /["\\]/.test(alt.const)) return null
      values.push(Buffer.from(alt.const, 'ascii'))
    }
    return values.length > 0 ? { type: 'literal', values } : null
  }
  return null
}

/**
 * The fast check for a schema, or `null` if the schema has anything beyond a closed, flat object
 * of bounded numbers, booleans and string literals (then every payload takes the full check).
 */
export function fastSchemaOf(schema: TSchema): FastSchema | null {
  const s = schema as Record<string, unknown>
  if (s.type !== 'object' || s.additionalProperties !== false || !onlyKeys(s, OBJECT_KEYS)) return null
  const props = s.properties as Record<string, Record<string, unknown>> | undefined
  if (!props || typeof props !== 'object') return null
  const entries = Object.entries(props)
  if (entries.length === 0 || entries.length > 30) return null
  const required = (s.required ?? []) as unknown
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string' && Object.hasOwn(props, r))) return null
  const minProperties = s.minProperties ?? 0
  if (!Number.isSafeInteger(minProperties)) return null
  const names: Buffer[] = []
  const rules: Rule[] = []
  let req = 0
  for (const [i, [name, sub]] of entries.entries()) {
    const rule = ruleOf(sub)
    if (!rule || !FIELD_NAME.test(name)) return null
    names.push(Buffer.from(name, 'ascii'))
    rules.push(rule)
    if (required.includes(name)) req |= 1 << i
  }
  return { names, rules, required: req, minProperties: minProperties as number }
}

// Bytes.
const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const OPEN = 0x7b
const CLOSE = 0x7d
const BACKSLASH = 0x5c

/** JSON's insignificant whitespace (RFC 8259 §2): space, tab, LF, CR. */
const isWs = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d

/** Index of the first non-whitespace byte at or after `i` (all indexing below stays within `p`). */
function skipWs(p: Buffer, i: number): number {
  const n = p.length
  while (i < n && isWs(p[i]!)) i++
  return i
}

/** `lit` at `p[i…]`? */
function bytesAt(p: Buffer, i: number, lit: Buffer): boolean {
  const n = lit.length
  if (i + n > p.length) return false
  for (let k = 0; k < n; k++) if (p[i + k] !== lit[k]) return false
  return true
}

/** The byte at `i`, or -1 past the end. */
const at = (p: Buffer, i: number): number => (i < p.length ? p[i]! : -1)
const isDigit = (b: number) => b >= ZERO && b <= NINE

const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')

/**
 * Checks a number at `p[i…]` against a rule; returns the index after it, or -1 if not sure.
 * The value is compared exactly, on its digits: |v| = I + F with I the integer part and
 * F ∈ [0, 1) the fraction (only whether it is zero matters, the bounds being integers).
 */
function number(p: Buffer, i: number, r: { type: 'number' | 'integer'; min: number; max: number }): number {
  const negative = at(p, i) === MINUS
  if (negative) i++
  const start = i
  let int = 0
  if (at(p, i) === ZERO) i++
  else {
    for (let b = at(p, i); isDigit(b); b = at(p, ++i)) int = int * 10 + (b - ZERO)
    if (i === start) return -1
  }
  // At most 15 digits: I is exact (below 2^53).
  if (i - start > 15) return -1
  let fraction = false
  if (at(p, i) === DOT) {
    if (r.type === 'integer') return -1
    const f0 = ++i
    for (let b = at(p, i); isDigit(b); b = at(p, ++i)) if (b !== ZERO) fraction = true
    if (i === f0) return -1
  }
  // An exponent, or a digit after a leading zero: not sure (the full check decides).
  const b = at(p, i)
  if (b === 0x65 || b === 0x45 || isDigit(b)) return -1
  // v = +(I + F): v ≥ min ⇔ I ≥ min;  v ≤ max ⇔ I < max, or I = max with F = 0.
  // v = −(I + F): v ≥ min ⇔ I < −min, or I = −min with F = 0;  v ≤ max ⇔ I ≥ −max.
  const ok = negative
    ? (int < -r.min || (int === -r.min && !fraction)) && int >= -r.max
    : int >= r.min && (int < r.max || (int === r.max && !fraction))
  return ok ? i : -1
}

/** Checks a value at `p[i…]`; returns the index after it, or -1 if not sure. */
function value(p: Buffer, i: number, r: Rule): number {
  switch (r.type) {
    case 'boolean':
      return bytesAt(p, i, TRUE) ? i + 4 : bytesAt(p, i, FALSE) ? i + 5 : -1
    case 'literal':
      if (at(p, i) !== QUOTE) return -1
      for (const v of r.values) if (bytesAt(p, i + 1, v) && at(p, i + 1 + v.length) === QUOTE) return i + v.length + 2
      return -1
    default:
      return number(p, i, r)
  }
}

/** True only if the full check (JSON.parse + the schema) surely accepts `p`; false: not sure. */
export function fastAccepts(s: FastSchema, p: Buffer): boolean {
  const n = p.length
  let i = skipWs(p, 0)
  if (at(p, i++) !== OPEN) return false
  i = skipWs(p, i)
  let seen = 0
  let count = 0
  if (at(p, i) === CLOSE) i++
  else
    for (;;) {
      if (at(p, i++) !== QUOTE) return false
      const k0 = i
      for (let b = at(p, i); b !== QUOTE; b = at(p, ++i)) {
        // The end, escapes, control bytes and non-ASCII in a key: not sure (JSON.parse decides).
        if (b < 0x20 || b === BACKSLASH || b >= 0x80) return false
      }
      const len = i - k0
      let field = -1
      for (let f = 0; f < s.names.length; f++) {
        const name = s.names[f]!
        if (name.length === len && bytesAt(p, k0, name)) {
          field = f
          break
        }
      }
      // Unknown (the schema refuses it) or repeated (JSON.parse keeps the last): not sure.
      if (field < 0 || seen & (1 << field)) return false
      seen |= 1 << field
      count++
      i = skipWs(p, i + 1)
      if (at(p, i++) !== COLON) return false
      i = value(p, skipWs(p, i), s.rules[field]!)
      if (i < 0) return false
      i = skipWs(p, i)
      const b = at(p, i++)
      if (b === COMMA) {
        i = skipWs(p, i)
        continue
      }
      if (b !== CLOSE) return false
      break
    }
  if (skipWs(p, i) !== n) return false
  return (seen & s.required) === s.required && count >= s.minProperties
}
