/**
 * Field codec for MT payloads, driven by the command table ({@link ./commands.ts}). Multi-byte
 * fields are little-endian, IEEE addresses included (shown as 16 hex digits, most significant
 * first, the way device labels print them). Decoding never throws: a short or overlong payload
 * yields `undefined`, and the caller drops and counts the frame.
 */
export type FieldType =
  | 'u8'
  | 'u16'
  | 'u32'
  /** 8-byte IEEE address ↔ 16 hex digits. */
  | 'ieee'
  /** 16 raw bytes (a key). */
  | 'key16'
  /** 8 raw bytes (an extended PAN id as stored). */
  | 'bytes8'
  /** u8 count, then that many bytes. */
  | 'buf8'
  /** u8 count, then that many u8 values. */
  | 'list8'
  /** u8 count, then that many u16 values. */
  | 'list16'
  /** Everything left in the payload. */
  | 'rest'

export type Fields = ReadonlyArray<readonly [name: string, type: FieldType]>
export type Value = number | string | Buffer | number[]
export type Params = Record<string, Value>

const FIXED: Partial<Record<FieldType, number>> = { u8: 1, u16: 2, u32: 4, ieee: 8, key16: 16, bytes8: 8 }

/** Encodes `params` by `fields`; a missing or ill-typed field is a programming error (throws). */
export function encodeFields(fields: Fields, params: Params): Buffer {
  const parts: Buffer[] = []
  for (const [name, type] of fields) {
    const v = params[name]
    if (v === undefined) throw new TypeError(`MT field ${name} missing`)
    parts.push(encodeOne(type, v, name))
  }
  return Buffer.concat(parts)
}

function encodeOne(type: FieldType, v: Value, name: string): Buffer {
  switch (type) {
    case 'u8':
      return Buffer.from([num(v, name, 0xff)])
    case 'u16': {
      const b = Buffer.alloc(2)
      b.writeUInt16LE(num(v, name, 0xffff))
      return b
    }
    case 'u32': {
      const b = Buffer.alloc(4)
      b.writeUInt32LE(num(v, name, 0xffffffff))
      return b
    }
    case 'ieee': {
      if (typeof v !== 'string' || !/^[0-9a-f]{16}$/i.test(v)) throw new TypeError(`MT field ${name}: IEEE address`)
      return Buffer.from(v, 'hex').reverse()
    }
    case 'key16':
    case 'bytes8':
      if (!Buffer.isBuffer(v) || v.length !== FIXED[type]) throw new TypeError(`MT field ${name}: ${FIXED[type]} bytes`)
      return Buffer.from(v)
    case 'buf8':
    case 'rest':
      if (!Buffer.isBuffer(v)) throw new TypeError(`MT field ${name}: bytes`)
      return type === 'rest' ? Buffer.from(v) : Buffer.concat([Buffer.from([v.length]), v])
    case 'list8':
    case 'list16': {
      if (!Array.isArray(v)) throw new TypeError(`MT field ${name}: list`)
      const w = type === 'list8' ? 1 : 2
      const b = Buffer.alloc(1 + v.length * w)
      b[0] = v.length
      v.forEach((x, i) => (w === 1 ? b.writeUInt8(x & 0xff, 1 + i) : b.writeUInt16LE(x & 0xffff, 1 + i * 2)))
      return b
    }
  }
}

function num(v: Value, name: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new TypeError(`MT field ${name}: integer 0..${max}`)
  return v
}

/**
 * Decodes `payload` by `fields`. Returns `undefined` when the payload is shorter than the fields
 * need. Trailing bytes are allowed (firmware versions append fields, e.g. AF_INCOMING_MSG's
 * macSrcAddr and radius) unless `exact`.
 */
export function decodeFields(fields: Fields, payload: Buffer, exact = false): Params | undefined {
  const out: Params = {}
  let o = 0
  for (const [name, type] of fields) {
    const fixed = FIXED[type]
    if (fixed !== undefined) {
      if (o + fixed > payload.length) return undefined
      const s = payload.subarray(o, o + fixed)
      out[name] =
        type === 'u8' ? s[0]! : type === 'u16' ? s.readUInt16LE(0) : type === 'u32' ? s.readUInt32LE(0) : type === 'ieee' ? Buffer.from(s).reverse().toString('hex') : Buffer.from(s)
      o += fixed
      continue
    }
    if (type === 'rest') {
      out[name] = Buffer.from(payload.subarray(o))
      o = payload.length
      continue
    }
    if (o >= payload.length) return undefined
    const n = payload[o]!
    const w = type === 'list16' ? 2 : 1
    if (o + 1 + n * w > payload.length) return undefined
    const body = payload.subarray(o + 1, o + 1 + n * w)
    out[name] = type === 'buf8' ? Buffer.from(body) : Array.from({ length: n }, (_, i) => (w === 1 ? body[i]! : body.readUInt16LE(i * 2)))
    o += 1 + n * w
  }
  if (exact && o !== payload.length) return undefined
  return out
}
