import t from 'tap'
import { DEVICE_KINDS, validateCommand, validateState, type DeviceKind } from '../../src/policy/device-kinds.js'
import { fastAccepts, fastSchemaOf, type FastSchema } from '../../src/policy/payload-fast.js'
import { checkPublishContent } from '../../src/policy/publish-content.js'

// The byte-level check (payload-fast.ts) may say "surely valid" only where the full check
// (strict UTF-8 + JSON.parse + the Ajv-compiled schema) accepts, and should say it for the
// plain payloads devices send. Checked on tables and on a seeded differential fuzz corpus.

const MAX = 4096
const KINDS = Object.keys(DEVICE_KINDS) as DeviceKind[]
const buf = (s: string) => Buffer.from(s, 'utf8')

interface Target {
  name: string
  fast: FastSchema
  full: (p: Buffer) => boolean
}
const targets: Target[] = []
for (const kind of KINDS) {
  const spec = DEVICE_KINDS[kind]
  const state = fastSchemaOf(spec.schema)
  if (state) targets.push({ name: `${kind} state`, fast: state, full: (p) => validateState(kind, p, MAX).ok })
  const cmd = spec.commandSchema ? fastSchemaOf(spec.commandSchema) : null
  if (cmd) targets.push({ name: `${kind} command`, fast: cmd, full: (p) => validateCommand(kind, p, MAX).ok })
}
const target = (name: string) => targets.find((x) => x.name === name)!

t.test('every kind has a byte-level check for its state and commands (the hot path uses it)', async (t) => {
  for (const kind of KINDS) {
    t.ok(fastSchemaOf(DEVICE_KINDS[kind].schema), `${kind} state`)
    if (DEVICE_KINDS[kind].commandSchema) t.ok(fastSchemaOf(DEVICE_KINDS[kind].commandSchema!), `${kind} command`)
  }
})

t.test('schemas beyond a flat object of bounded fields get no byte-level check', async (t) => {
  const rows: Array<[string, object]> = [
    ['open object', { type: 'object', properties: { a: { type: 'boolean' } } }],
    ['nested', { type: 'object', additionalProperties: false, properties: { a: { type: 'object' } } }],
    ['unbounded number', { type: 'number' }],
    ['fractional bound', { type: 'number', minimum: 0.5, maximum: 2 }],
    ['exclusive bound', { type: 'number', minimum: 0, maximum: 2, exclusiveMaximum: 2 }],
    ['multipleOf', { type: 'integer', minimum: 0, maximum: 10, multipleOf: 2 }],
    ['string', { type: 'string' }],
    ['literal with a quote', { anyOf: [{ const: 'a"b', type: 'string' }] }],
    ['numeric literal', { anyOf: [{ const: 1, type: 'number' }] }],
  ]
  for (const [name, sub] of rows) {
    const schema = 'properties' in sub ? sub : { type: 'object', additionalProperties: false, properties: { a: sub } }
    t.equal(fastSchemaOf(schema as never), null, name)
  }
})

t.test('a repeated field counts once (minProperties, required)', async (t) => {
  const fast = fastSchemaOf({ type: 'object', additionalProperties: false, minProperties: 2, required: ['b'], properties: { a: { type: 'boolean' }, b: { type: 'boolean' } } } as never)!
  t.equal(fastAccepts(fast, buf('{"a":true,"b":false}')), true)
  t.equal(fastAccepts(fast, buf('{"b":true,"b":true}')), false, 'one property, not two')
  t.equal(fastAccepts(fast, buf('{"a":true,"a":true}')), false, 'b missing')
})

// [target, payload, fast verdict expected]; the full check's verdict is asserted alongside.
const rows: Array<[string, string, boolean, boolean]> = [
  // payload, fast says valid, full check says valid
  ['temperature state', '{"temperature":21.50390625,"humidity":40.27734375,"battery":100}', true, true],
  ['temperature state', ' { "temperature" : -40 , "battery" : 0 }\n', true, true],
  ['temperature state', '{"temperature":125}', true, true],
  ['temperature state', '{"temperature":125.0}', true, true],
  ['temperature state', '{"temperature":-40.000}', true, true],
  ['temperature state', '{"temperature":-0}', true, true],
  ['temperature state', '{"temperature":125.01}', false, false],
  ['temperature state', '{"temperature":-40.5}', false, false],
  ['temperature state', '{"temperature":126}', false, false],
  ['temperature state', '{"temperature":1e2}', false, true], // exponent: full check decides
  ['temperature state', '{"temperature":125.0000000000000000001}', false, true], // JSON.parse rounds to 125
  ['temperature state', '{"temperature":-40.00000000000000000001}', false, true],
  ['temperature state', '{"temperature":1e999}', false, false],
  ['temperature state', '{"temperature":0123}', false, false],
  ['temperature state', '{"temperature":21.}', false, false],
  ['temperature state', '{"temperature":.5}', false, false],
  ['temperature state', '{"temperature":+5}', false, false],
  ['temperature state', '{"temperature":-}', false, false],
  ['temperature state', '{"temperature":"21"}', false, false],
  ['temperature state', '{"battery":100.0}', false, true], // integer with a fraction part: full check
  ['temperature state', '{"battery":99.5}', false, false],
  ['temperature state', '{"battery":101}', false, false],
  ['temperature state', '{"battery":-0}', true, true],
  ['temperature state', '{"battery":50,"battery":200}', false, false], // JSON.parse keeps the last
  ['temperature state', '{"battery":200,"battery":50}', false, true],
  ['temperature state', '{"\\u0062attery":50}', false, true], // escaped key
  ['temperature state', '\ufeff{"battery":50}', false, true], // BOM: the decoder drops it
  ['temperature state', '{}', false, false],
  ['temperature state', '{"battery":50,}', false, false],
  ['temperature state', '{"battery":50} x', false, false],
  ['temperature state', '{"battery":50}{}', false, false],
  ['temperature state', '{"battery":50', false, false],
  ['temperature state', '{"battery"50}', false, false],
  ['temperature state', '{"pressure":1}', false, false],
  ['temperature state', '{"__proto__":1}', false, false],
  ['temperature state', '\f{"battery":50}', false, false], // not JSON whitespace
  ['temperature state', '{"battery":1234567890123456}', false, false],
  ['contact state', '{"contact":true,"battery_low":false,"tamper":true}', true, true],
  ['contact state', '{"contact":tru}', false, false],
  ['contact state', '{"contact":truex}', false, false],
  ['contact state', '{"contact":1}', false, false],
  ['switch state', '{"state":"ON"}', true, true],
  ['switch state', '{"state":"OFF"}', true, true],
  ['switch state', '{"state":"ONN"}', false, false],
  ['switch state', '{"state":"O\\u004e"}', false, true], // escaped value
  ['switch state', '{"state":"TOGGLE"}', false, false],
  ['switch command', '{"state":"TOGGLE"}', true, true],
  ['switch command', '{}', false, false], // state is required
  ['light command', '{"brightness":254}', true, true],
  ['light command', '{"brightness":255}', false, false],
  ['light state', '{"state":"ON","brightness":0}', true, true],
]

t.test('table: fast verdicts, and the full check agrees wherever the fast one says valid', async (t) => {
  for (const [name, text, fast, full] of rows) {
    const x = target(name)
    t.equal(x.full(buf(text)), full, `full: ${name} ${text}`)
    t.equal(fastAccepts(x.fast, buf(text)), fast, `fast: ${name} ${text}`)
  }
})

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

const FIELDS = [...new Set(KINDS.flatMap((k) => Object.keys((DEVICE_KINDS[k].schema as { properties: object }).properties)))]

function generator(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('')
  const numberText = (): string => {
    const near = pick([0, 1, 40, 100, 125, 254, 255, 101, 126, 39, 41, 99, 253, int(1000)])
    const sign = rand() < 0.3 ? '-' : ''
    switch (int(9)) {
      case 0:
        return `${sign}${near}`
      case 1:
        return `${sign}${near}.${digits(1 + int(4))}`
      case 2:
        return `${sign}${near}.${'0'.repeat(int(25))}${pick(['', '1', '0'])}`
      case 3:
        return `${sign}${near}${pick(['e', 'E'])}${pick(['', '+', '-'])}${digits(1 + int(3))}`
      case 4:
        return `${sign}${pick(['0', ''])}${digits(int(20))}${pick(['', '.', `.${digits(int(20))}`])}`
      case 5:
        return pick(['-0', '0', '-', '.5', '5.', '+1', '00', '01', '1e999', '-1e999', 'NaN', 'Infinity', '0x10'])
      case 6:
        return `${sign}${(rand() * 300 - 150).toString()}`
      case 7:
        return `${sign}${near - 1}.${'9'.repeat(10 + int(15))}`
      default:
        return JSON.stringify(Math.round(rand() * 260 - 45))
    }
  }
  const valueText = (): string =>
    pick([
      numberText,
      numberText,
      numberText,
      () => pick(['true', 'false', 'tru', 'falsey', 'null', 'TRUE']),
      () => pick(['"ON"', '"OFF"', '"TOGGLE"', '"on"', '""', '"O\\u004e"', '"ON ', '"OFF"x']),
      () => pick(['{}', '[]', '[1]', '{"a":1}', '"21.5"']),
    ])()
  const ws = () => (rand() < 0.8 ? '' : pick([' ', '\n', '\t', '\r', '  ', '\f', '\u00a0', '\v']))
  /** A value of the field's own type, near or at its bounds, in one of the spellings JSON allows. */
  const typedText = (rule: FastSchema['rules'][number]): string => {
    if (rule.type === 'boolean') return pick(['true', 'false'])
    if (rule.type === 'literal') return `"${pick(rule.values).toString()}"`
    const base = pick([rule.min, rule.max, rule.min + 1, rule.max - 1, rule.min + int(rule.max - rule.min + 1)])
    const below = base - 1
    return pick([
      `${base}`,
      `${base}`,
      `${base}.${digits(1 + int(6))}`,
      `${base}.${'0'.repeat(1 + int(22))}${pick(['', '1'])}`,
      `${below}.${'9'.repeat(1 + int(22))}`,
      `${base}${pick(['e0', 'E+0', 'e-0', '.0e1'])}`,
      `${base < 0 ? '-' : ''}${Math.abs(base)}.0`,
    ])
  }
  let own: FastSchema | undefined
  const member = (): string => {
    if (own && rand() < 0.85) {
      const f = int(own.names.length)
      const v = rand() < 0.7 ? typedText(own.rules[f]!) : valueText()
      return `${ws()}${JSON.stringify(own.names[f]!.toString())}${ws()}:${ws()}${v}${ws()}`
    }
    const k = rand() < 0.6 ? JSON.stringify(pick(FIELDS)) : pick(['"pressure"', '"__proto__"', '"\\u0062attery"', '"Battery"', '"battery "', '""', '"stat\\"e"', '"bätt"'])
    return `${ws()}${k}${ws()}:${ws()}${valueText()}${ws()}`
  }
  const object = (): string => {
    const n = rand() < 0.05 ? 0 : 1 + int(3)
    const members = Array.from({ length: n }, member)
    return `${ws()}{${members.join(',')}${n === 0 ? ws() : ''}}${ws()}`
  }
  const mutate = (b: Buffer): Buffer => {
    const a = [...b]
    for (let m = 1 + int(3); m > 0 && a.length > 0; m--) {
      const i = int(a.length)
      switch (int(5)) {
        case 0:
          a[i] = int(256)
          break
        case 1:
          a.splice(i, 0, pick([0x22, 0x2c, 0x3a, 0x7b, 0x7d, 0x2d, 0x2e, 0x30, 0x35, 0x65, 0x5c, 0x20, 0xc3, 0xff]))
          break
        case 2:
          a.splice(i, 1)
          break
        case 3:
          a.length = i
          break
        default:
          a[i] = a[i]! ^ (1 << int(8))
      }
    }
    return Buffer.from(a)
  }
  /** A payload whose members are mostly fields of `schema` with values of their type, sometimes anything. */
  return (schema?: FastSchema) => {
    own = schema
    const text = object()
    return rand() < 0.7 ? buf(text) : mutate(buf(text))
  }
}

t.test('differential fuzz: the fast check never calls valid what the full check refuses', async (t) => {
  const N = 60_000
  const next = generator(prng(0x5eed))
  let fastValid = 0
  let fullValid = 0
  let wrong = 0
  const examples: string[] = []
  for (let i = 0; i < N; i++) {
    const p = next(targets[i % targets.length]!.fast)
    for (const x of targets) {
      const full = x.full(p)
      const fast = fastAccepts(x.fast, p)
      if (fast) fastValid++
      if (full) fullValid++
      if (fast && !full) {
        wrong++
        if (examples.length < 5) examples.push(`${x.name}: ${JSON.stringify(p.toString('latin1'))}`)
      }
    }
  }
  t.equal(wrong, 0, `fast said valid, full check refused: ${examples.join(' | ')}`)
  // The corpus is not all noise, and the fast check carries most of what is valid.
  t.ok(fullValid > N / 10, `full check accepted ${fullValid}`)
  t.ok(fastValid > fullValid * 0.5, `fast check accepted ${fastValid} of the ${fullValid} valid`)
})

t.test('canonical reports (what devices send) are all taken by the fast check', async (t) => {
  const rand = prng(42)
  let n = 0
  const refused: string[] = []
  for (const kind of KINDS) {
    const props = (DEVICE_KINDS[kind].schema as { properties: Record<string, { type?: string; minimum?: number; maximum?: number; anyOf?: Array<{ const: string }> }> }).properties
    const x = target(`${kind} state`)
    for (let i = 0; i < 2000; i++) {
      const obj: Record<string, unknown> = {}
      for (const [name, s] of Object.entries(props)) {
        if (rand() < 0.4 && Object.keys(obj).length > 0) continue
        if (s.type === 'boolean') obj[name] = rand() < 0.5
        else if (s.anyOf) obj[name] = s.anyOf[Math.floor(rand() * s.anyOf.length)]!.const
        else {
          const v = s.minimum! + rand() * (s.maximum! - s.minimum!)
          obj[name] = s.type === 'integer' ? Math.round(v) : Math.round(v * 1000) / 1000
        }
      }
      const p = buf(JSON.stringify(obj))
      if (!x.full(p) || !fastAccepts(x.fast, p)) refused.push(`${kind} ${p} (full: ${x.full(p)})`)
      n++
    }
  }
  t.same(refused.slice(0, 5), [], `${refused.length} of ${n} canonical reports not taken by both checks`)
})

/** checkPublishContent as it was before the byte-level check: the full check only. */
function reference(topic: string, payload: Buffer, kindOf: (id: string) => DeviceKind | undefined): string {
  if (payload.length > MAX) return 'too-large'
  const m = /^hearth\/([a-z0-9-]+)\/(state|set)$/.exec(topic)
  if (!m) return 'unused'
  const kind = kindOf(m[1]!)
  if (!kind) return 'unknown-device'
  const r = m[2] === 'state' ? validateState(kind, payload, MAX) : validateCommand(kind, payload, MAX)
  return r.ok ? 'ok' : `${m[2] === 'state' ? 'state' : 'command'}-${r.reason}`
}

t.test('checkPublishContent decides exactly as the full check does, with the same reasons', async (t) => {
  const next = generator(prng(7))
  const kindOf = (id: string) => (id.startsWith('d-') ? (id.slice(2) as DeviceKind) : undefined)
  let compared = 0
  let mismatches = 0
  for (let i = 0; i < 20_000; i++) {
    const p = next(targets[i % targets.length]!.fast)
    for (const kind of [...KINDS, 'nope']) {
      for (const leaf of ['state', 'set']) {
        const topic = `hearth/d-${kind}/${leaf}`
        const d = checkPublishContent(topic, p, kindOf, MAX)
        const got = d.ok ? 'ok' : d.reason
        const want = reference(topic, p, kindOf)
        compared++
        if (got !== want && mismatches++ < 5) t.fail(`${topic} ${JSON.stringify(p.toString('latin1'))}: ${got} ≠ ${want}`)
      }
    }
  }
  t.equal(mismatches, 0, `${compared} decisions compared`)
})
