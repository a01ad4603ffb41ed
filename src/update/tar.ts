import { HubError } from '../core/errors.js'

/**
 * A deliberately small POSIX ustar reader and writer for update bundles. Only what Hearth's own
 * release tool writes is accepted: regular files with safe relative names. Why not node-tar:
 * it implements every tar dialect (PAX, GNU long names, links, devices, sparse files) and that
 * breadth is where its path-traversal CVEs lived (CVE-2021-32803/32804/37701/37712/37713,
 * CVE-2024-28863); a bundle needs none of it. Everything refused here is refused before a byte
 * of the entry reaches disk (the reader only yields; the installer writes).
 */
const BLOCK = 512

export interface TarLimits {
  maxEntries: number
  maxEntryBytes: number
  maxTotalBytes: number
}

export interface TarEntry {
  name: string
  size: number
  /** 0o755 or 0o644: the executable bit is kept, nothing else. */
  mode: number
  /** The entry's bytes, in chunks; must be read to the end before the next entry is asked for. */
  body: AsyncIterable<Buffer>
}

const refuse = (why: string, details?: Record<string, unknown>) => new HubError('HUB_ERR_UPDATE_REFUSED', `bundle refused: ${why}`, details)

/**
 * A safe relative path: `/`-separated, no empty, `.` or `..` segment, no leading `/`, printable
 * ASCII without `\`, at most 255 bytes. Applied to every name before it is joined to a slot.
 */
export function safePathProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 255) return 'name length out of range'
  if (!/^[\x20-\x7e]+$/.test(name) || name.includes('\\')) return 'name has a character outside printable ASCII (or a backslash)'
  if (name.startsWith('/')) return 'absolute path'
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') return 'empty or "." path segment'
    if (seg === '..') return '".." path segment'
  }
  return undefined
}

function octal(field: Buffer, what: string): number {
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '')
  if (!/^[0-7]{1,11}$/.test(text)) throw refuse(`malformed ${what} field`)
  return parseInt(text, 8)
}

function cstring(field: Buffer): string {
  const nul = field.indexOf(0)
  return field.subarray(0, nul < 0 ? field.length : nul).toString('latin1')
}

/** Pulls exact byte counts out of a chunk stream without buffering more than one chunk. */
class Pull {
  private buf: Buffer = Buffer.alloc(0)
  private done = false
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false
    const r = await this.it.next()
    if (r.done) return !(this.done = true)
    this.buf = this.buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([this.buf, r.value])
    return true
  }

  /** Exactly n bytes, or undefined at a clean end of input; throws if the input ends inside. */
  async exact(n: number): Promise<Buffer | undefined> {
    while (this.buf.length < n) if (!(await this.fill())) break
    if (this.buf.length === 0 && n > 0) return undefined
    if (this.buf.length < n) throw refuse('truncated (the input ends inside a block)')
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    return out
  }

  /** Up to n bytes in chunks as they arrive. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) throw refuse('truncated (the input ends inside a file)')
      const part = this.buf.subarray(0, Math.min(left, this.buf.length))
      this.buf = this.buf.subarray(part.length)
      left -= part.length
      yield part
    }
  }

  /** True iff everything left is zero bytes. */
  async restIsZero(): Promise<boolean> {
    for (;;) {
      if (this.buf.some((b) => b !== 0)) return false
      this.buf = Buffer.alloc(0)
      if (!(await this.fill())) return true
    }
  }
}

/**
 * Reads a ustar stream strictly. Refuses: a bad header checksum or magic, any type but a regular
 * file (links, devices, directories, FIFOs, PAX and GNU extension headers), an unsafe name, a name
 * that repeats or that is both a file and a directory, more than `maxEntries` entries, an entry
 * over `maxEntryBytes`, more than `maxTotalBytes` in all, a stream that ends before its end-of-archive
 * blocks, and data after them.
 */
export async function* readTar(chunks: AsyncIterable<Buffer>, limits: TarLimits): AsyncGenerator<TarEntry> {
  const src = new Pull(chunks[Symbol.asyncIterator]())
  const files = new Set<string>()
  const dirs = new Set<string>()
  let total = 0
  let count = 0
  for (;;) {
    const header = await src.exact(BLOCK)
    if (!header) throw refuse('truncated (no end-of-archive marker)')
    if (header.every((b) => b === 0)) {
      if (!(await src.exact(BLOCK))?.every((b) => b === 0)) throw refuse('truncated or malformed end-of-archive marker')
      if (!(await src.restIsZero())) throw refuse('data after the end-of-archive marker')
      return
    }
    const sum = octal(header.subarray(148, 156), 'checksum')
    let calc = 0
    for (let i = 0; i < BLOCK; i++) calc += i >= 148 && i < 156 ? 0x20 : header[i]!
    if (sum !== calc) throw refuse('header checksum mismatch')
    if (header.subarray(257, 263).toString('latin1') !== 'ustar\0' || header.subarray(263, 265).toString('latin1') !== '00')
      throw refuse('not a POSIX ustar header')
    const type = String.fromCharCode(header[156]!)
    const prefix = cstring(header.subarray(345, 500))
    const name = (prefix ? prefix + '/' : '') + cstring(header.subarray(0, 100))
    if (type !== '0' && type !== '\0') throw refuse(`entry ${JSON.stringify(name)} is not a regular file (type ${JSON.stringify(type)})`, { entry: name })
    const problem = safePathProblem(name)
    if (problem) throw refuse(`entry ${JSON.stringify(name)}: ${problem}`, { entry: name })
    if (++count > limits.maxEntries) throw refuse(`more than ${limits.maxEntries} entries`)
    if (files.has(name) || dirs.has(name)) throw refuse(`entry ${JSON.stringify(name)} repeats (or is also a directory)`, { entry: name })
    const segs = name.split('/')
    for (let i = 1; i < segs.length; i++) {
      const dir = segs.slice(0, i).join('/')
      if (files.has(dir)) throw refuse(`entry ${JSON.stringify(name)} lies under the file ${JSON.stringify(dir)}`, { entry: name })
      dirs.add(dir)
    }
    files.add(name)
    const size = octal(header.subarray(124, 136), 'size')
    if (size > limits.maxEntryBytes) throw refuse(`entry ${JSON.stringify(name)} is larger than ${limits.maxEntryBytes} bytes`, { entry: name })
    total += size
    if (total > limits.maxTotalBytes) throw refuse(`contents larger than ${limits.maxTotalBytes} bytes`)
    const mode = octal(header.subarray(100, 108), 'mode') & 0o100 ? 0o755 : 0o644
    let consumed = false
    const body = (async function* () {
      yield* src.take(size)
      consumed = true
    })()
    yield { name, size, mode, body }
    if (!consumed) for await (const _ of body); // the caller skipped it: drain (still bounded by size)
    const pad = (BLOCK - (size % BLOCK)) % BLOCK
    if (pad > 0) await src.exact(pad).then((b) => {
      if (!b) throw refuse('truncated (the input ends inside padding)')
    })
  }
}

/** A ustar header for a regular file (the writer side; names must pass {@link safePathProblem}). */
export function tarHeader(name: string, size: number, mode: number, mtimeS = 0): Buffer {
  const problem = safePathProblem(name)
  if (problem) throw refuse(`cannot write ${JSON.stringify(name)}: ${problem}`)
  let base = name
  let prefix = ''
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155)
    if (cut <= 0 || name.length - cut - 1 > 100) throw refuse(`name too long for ustar: ${name}`)
    prefix = name.slice(0, cut)
    base = name.slice(cut + 1)
  }
  const h = Buffer.alloc(BLOCK)
  const put = (s: string, off: number, len: number) => h.write(s, off, len, 'latin1')
  const num = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', off, len)
  put(base, 0, 100)
  num(mode & 0o755, 100, 8)
  num(0, 108, 8)
  num(0, 116, 8)
  num(size, 124, 12)
  num(mtimeS, 136, 12)
  put('        ', 148, 8)
  put('0', 156, 1)
  put('ustar\0', 257, 6)
  put('00', 263, 2)
  put(prefix, 345, 155)
  let sum = 0
  for (const b of h) sum += b
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8)
  return h
}

/** Zero padding after `size` bytes of content. */
export const tarPadding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = Buffer.alloc(2 * BLOCK)
