import { HubError } from '../../core/errors.js'

/**
 * ZCL data types (ZCL rev 7, 2.6.2 "Data Types") that the hub decodes. Any other type id in a
 * frame rejects the whole frame: without knowing a type's length the rest cannot be parsed.
 * Pure and bounds-checked: a read past the end is a decode failure, never an out-of-range read.
 */
export const ZclType = {
  bool: 0x10,
  bitmap8: 0x18,
  bitmap16: 0x19,
  uint8: 0x20,
  uint16: 0x21,
  uint32: 0x23,
  int8: 0x28,
  int16: 0x29,
  enum8: 0x30,
  enum16: 0x31,
  charStr: 0x42,
  ieee: 0xf0,
} as const

export type ZclTypeName = keyof typeof ZclType
export type ZclTypeId = (typeof ZclType)[ZclTypeName]

/**
 * A decoded attribute value. Numbers for integer, bitmap and enum types; a boolean for `bool`
 * 0x00/0x01 (any other byte, e.g. the 0xFF "invalid" value, stays a number so the state mapping
 * can reject it); a string for char strings; `0x` + 16 hex digits (most significant first) for IEEE.
 */
export type ZclValue = number | boolean | string

const FIXED_SIZE: Readonly<Record<number, number>> = {
  [ZclType.bool]: 1, [ZclType.bitmap8]: 1, [ZclType.bitmap16]: 2, [ZclType.uint8]: 1, [ZclType.uint16]: 2,
  [ZclType.uint32]: 4, [ZclType.int8]: 1, [ZclType.int16]: 2, [ZclType.enum8]: 1, [ZclType.enum16]: 2, [ZclType.ieee]: 8,
}

/** Analog types carry a "reportable change" in configure-reporting records (ZCL 2.5.7.1.7); discrete ones do not. */
const ANALOG: ReadonlySet<number> = new Set([ZclType.uint8, ZclType.uint16, ZclType.uint32, ZclType.int8, ZclType.int16])

export function isKnownType(t: number): t is ZclTypeId {
  return t === ZclType.charStr || Object.hasOwn(FIXED_SIZE, t)
}

export function isAnalogType(t: number): boolean {
  return ANALOG.has(t)
}

/** Why a frame was refused; the caller counts by this. */
export type ZclReason =
  | 'empty'
  | 'too-long'
  | 'truncated'
  | 'reserved-frame-type'
  | 'unknown-type'
  | 'unknown-command'
  | 'bad-string'
  | 'bad-direction'
  | 'internal'

/**
 * Thrown inside the decoder only; `decodeZcl` turns it into `{ ok: false, reason }`. Not an
 * Error: refusing garbage must stay cheap (no stack trace captured per bad frame), and one
 * frozen instance per reason is enough.
 */
export class ZclDecodeFailure {
  private constructor(readonly reason: ZclReason) {}
  private static readonly byReason = new Map<ZclReason, ZclDecodeFailure>()
  /** The (immutable) failure for `reason`. */
  static of(reason: ZclReason): ZclDecodeFailure {
    let f = ZclDecodeFailure.byReason.get(reason)
    if (!f) ZclDecodeFailure.byReason.set(reason, (f = Object.freeze(new ZclDecodeFailure(reason))))
    return f
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A cursor over one frame; every read checks the bounds first. */
export class Reader {
  private off = 0

  constructor(private readonly b: Uint8Array) {}

  get remaining(): number {
    return this.b.length - this.off
  }

  private need(n: number): void {
    if (this.off + n > this.b.length) throw ZclDecodeFailure.of('truncated')
  }

  u8(): number {
    this.need(1)
    return this.b[this.off++]!
  }

  u16(): number {
    this.need(2)
    const v = this.b[this.off]! | (this.b[this.off + 1]! << 8)
    this.off += 2
    return v
  }

  u32(): number {
    return this.u16() + this.u16() * 0x10000
  }

  bytes(n: number): Uint8Array {
    this.need(n)
    const v = this.b.subarray(this.off, this.off + n)
    this.off += n
    return v
  }

  /** One value of type `t`; an unknown type id fails the frame. */
  value(t: number): ZclValue {
    switch (t) {
      case ZclType.bool: {
        const v = this.u8()
        return v === 0 ? false : v === 1 ? true : v
      }
      case ZclType.bitmap8:
      case ZclType.uint8:
      case ZclType.enum8:
        return this.u8()
      case ZclType.bitmap16:
      case ZclType.uint16:
      case ZclType.enum16:
        return this.u16()
      case ZclType.uint32:
        return this.u32()
      case ZclType.int8:
        return (this.u8() << 24) >> 24
      case ZclType.int16:
        return (this.u16() << 16) >> 16
      case ZclType.ieee: {
        const b = this.bytes(8)
        let s = ''
        for (let i = 7; i >= 0; i--) s += b[i]!.toString(16).padStart(2, '0')
        return '0x' + s
      }
      case ZclType.charStr: {
        const n = this.u8()
        // 0xFF is the "invalid string" value (ZCL 2.6.2.12): nothing to show, refuse the frame.
        if (n === 0xff) throw ZclDecodeFailure.of('bad-string')
        try {
          return utf8.decode(this.bytes(n))
        } catch (e) {
          if (e instanceof ZclDecodeFailure) throw e
          throw ZclDecodeFailure.of('bad-string')
        }
      }
      default:
        throw ZclDecodeFailure.of('unknown-type')
    }
  }
}

/** Builds a frame; every write checks its value against the type (a bug, not bad input, if not). */
export class Writer {
  private readonly out: number[] = []

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw bad(`u8 ${v}`)
    this.out.push(v)
    return this
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw bad(`u16 ${v}`)
    this.out.push(v & 0xff, v >>> 8)
    return this
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad(`u32 ${v}`)
    return this.u16(v % 0x10000).u16(Math.floor(v / 0x10000))
  }

  bytes(b: Uint8Array): this {
    for (const x of b) this.out.push(x)
    return this
  }

  value(t: number, v: ZclValue): this {
    switch (t) {
      case ZclType.bool:
        return this.u8(typeof v === 'boolean' ? (v ? 1 : 0) : num(v))
      case ZclType.bitmap8:
      case ZclType.uint8:
      case ZclType.enum8:
        return this.u8(num(v))
      case ZclType.bitmap16:
      case ZclType.uint16:
      case ZclType.enum16:
        return this.u16(num(v))
      case ZclType.uint32:
        return this.u32(num(v))
      case ZclType.int8: {
        const n = num(v)
        if (n < -128 || n > 127) throw bad(`int8 ${n}`)
        return this.u8(n & 0xff)
      }
      case ZclType.int16: {
        const n = num(v)
        if (n < -32768 || n > 32767) throw bad(`int16 ${n}`)
        return this.u16(n & 0xffff)
      }
      case ZclType.ieee: {
        if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{16}$/.test(v)) throw bad('IEEE address')
        // Little-endian on the wire: the last two hex digits are the first byte.
        for (let i = 0; i < 8; i++) this.out.push(parseInt(v.slice(16 - 2 * i, 18 - 2 * i), 16))
        return this
      }
      case ZclType.charStr: {
        if (typeof v !== 'string') throw bad('string')
        const b = new TextEncoder().encode(v)
        if (b.length > 0xfe) throw bad('string longer than 254 bytes')
        return this.u8(b.length).bytes(b)
      }
      default:
        throw bad(`unknown ZCL type 0x${t.toString(16)}`)
    }
  }

  done(): Uint8Array {
    return Uint8Array.from(this.out)
  }
}

function num(v: ZclValue): number {
  if (typeof v !== 'number') throw bad(`expected a number, got ${typeof v}`)
  return v
}

function bad(what: string): HubError {
  return new HubError('HUB_ERR_BAD_REQUEST', `cannot encode ZCL value: ${what}`)
}
