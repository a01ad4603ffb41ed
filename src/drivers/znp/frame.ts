/**
 * Z-Stack Monitor-and-Test (MT) framing over a byte stream (TI SWRA198 §2.1):
 * `SOF 0xFE | LEN | CMD0 | CMD1 | payload (LEN bytes) | FCS`, FCS = XOR of LEN..payload.
 * CMD0 = type << 5 | subsystem. Pure: no I/O.
 */
export const SOF = 0xfe
/** Largest payload a frame may carry (MT limit; Z-Stack's own buffer is 250). */
export const MAX_PAYLOAD = 250
/** SOF + LEN + CMD0 + CMD1 + FCS. */
export const FRAME_OVERHEAD = 5

export const enum FrameType {
  POLL = 0,
  SREQ = 1,
  AREQ = 2,
  SRSP = 3,
}

export const enum Subsystem {
  RPC_ERROR = 0,
  SYS = 1,
  MAC = 2,
  AF = 4,
  ZDO = 5,
  SAPI = 6,
  UTIL = 7,
  APP_CNF = 15,
}

/** One MT frame, decoded from its header. */
export interface ZnpFrame {
  type: FrameType
  subsystem: number
  cmd: number
  payload: Buffer
}

/** XOR checksum over `bytes` (LEN, CMD0, CMD1 and payload). */
export function fcs(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0
  for (let i = start; i < end; i++) x ^= bytes[i]!
  return x
}

/** Serialises a frame. Payloads above {@link MAX_PAYLOAD} are a programming error: refused. */
export function encodeFrame(f: ZnpFrame): Buffer {
  if (f.payload.length > MAX_PAYLOAD) throw new RangeError(`MT payload ${f.payload.length} > ${MAX_PAYLOAD}`)
  const out = Buffer.allocUnsafe(f.payload.length + FRAME_OVERHEAD)
  out[0] = SOF
  out[1] = f.payload.length
  out[2] = ((f.type & 0x07) << 5) | (f.subsystem & 0x1f)
  out[3] = f.cmd & 0xff
  f.payload.copy(out, 4)
  out[out.length - 1] = fcs(out, 1, out.length - 1)
  return out
}

/** `21 01`-style label for logs and errors. */
export function frameLabel(type: number, subsystem: number, cmd: number): string {
  const h = (n: number) => n.toString(16).padStart(2, '0')
  return `${h(((type & 7) << 5) | (subsystem & 0x1f))} ${h(cmd)}`
}
