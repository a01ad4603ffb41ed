import t from 'tap'
import { readTar, tarHeader, tarPadding, TAR_END, safePathProblem } from '../../src/update/tar.js'

const LIMITS = { maxEntries: 10, maxEntryBytes: 1000, maxTotalBytes: 2000 }
const entry = (name: string, body: Buffer | string) => {
  const b = Buffer.from(body)
  return Buffer.concat([tarHeader(name, b.length, 0o644), b, tarPadding(b.length)])
}
/** A header with any name and type, checksum fixed up (what an attacker's tool would write). */
function rawHeader(name: string, size: number, type: string, extra: (h: Buffer) => void = () => {}): Buffer {
  const h = tarHeader('placeholder', size, 0o644)
  h.fill(0, 0, 100)
  h.write(name, 0, 100, 'latin1')
  h.write(type, 156, 1, 'latin1')
  extra(h)
  h.write('        ', 148, 8, 'latin1')
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1')
  return h
}
async function* chunks(buf: Buffer, size = 100) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size)
}
async function read(buf: Buffer, limits = LIMITS): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const e of readTar(chunks(buf), limits)) {
    const parts: Buffer[] = []
    for await (const c of e.body) parts.push(c)
    out.push([e.name, Buffer.concat(parts).toString()])
  }
  return out
}

t.test('round trip, in odd chunk sizes, long names through the ustar prefix', async (t) => {
  const long = 'node_modules/' + 'x'.repeat(90) + '/lib/' + 'y'.repeat(60) + '.js'
  const tar = Buffer.concat([entry('a.txt', 'hello'), entry('dir/b.bin', 'x'.repeat(700)), entry(long, 'deep'), TAR_END])
  t.same(await read(tar), [['a.txt', 'hello'], ['dir/b.bin', 'x'.repeat(700)], [long, 'deep']])
})

t.test('an entry the caller skips is drained, the next one still reads', async (t) => {
  const tar = Buffer.concat([entry('a', 'skip me'), entry('b', 'read me'), TAR_END])
  const names: string[] = []
  let last = ''
  for await (const e of readTar(chunks(tar, 7), LIMITS)) {
    names.push(e.name)
    if (e.name === 'b') for await (const c of e.body) last += c.toString()
  }
  t.same(names, ['a', 'b'])
  t.equal(last, 'read me')
})

const refused: Array<[string, () => Buffer, RegExp]> = [
  ['path traversal', () => Buffer.concat([rawHeader('app/../../etc/passwd', 0, '0'), TAR_END]), /"\.\." path segment/],
  ['absolute path', () => Buffer.concat([rawHeader('/etc/passwd', 0, '0'), TAR_END]), /absolute path/],
  ['symlink', () => Buffer.concat([rawHeader('app/link', 0, '2', (h) => h.write('/etc/shadow', 157, 'latin1')), TAR_END]), /not a regular file/],
  ['hard link', () => Buffer.concat([rawHeader('app/hl', 0, '1'), TAR_END]), /not a regular file/],
  ['character device', () => Buffer.concat([rawHeader('app/dev', 0, '3'), TAR_END]), /not a regular file/],
  ['directory entry', () => Buffer.concat([rawHeader('app/d', 0, '5'), TAR_END]), /not a regular file/],
  ['PAX header', () => Buffer.concat([rawHeader('pax', 0, 'x'), TAR_END]), /not a regular file/],
  ['GNU long name', () => Buffer.concat([rawHeader('././@LongLink', 0, 'L'), TAR_END]), /not a regular file/],
  ['duplicate name', () => Buffer.concat([entry('a', '1'), entry('a', '2'), TAR_END]), /repeats/],
  ['file and directory', () => Buffer.concat([entry('a', '1'), entry('a/b', '2'), TAR_END]), /lies under the file/],
  ['directory then file', () => Buffer.concat([entry('a/b', '1'), entry('a', '2'), TAR_END]), /repeats \(or is also a directory\)/],
  ['oversize entry', () => Buffer.concat([entry('a', 'x'.repeat(1001)), TAR_END]), /larger than 1000 bytes/],
  ['oversize total', () => Buffer.concat([entry('a', 'x'.repeat(900)), entry('b', 'x'.repeat(900)), entry('c', 'x'.repeat(900)), TAR_END]), /contents larger than 2000/],
  ['too many entries', () => Buffer.concat([...Array.from({ length: 11 }, (_, i) => entry(`f${i}`, '')), TAR_END]), /more than 10 entries/],
  ['truncated inside a file', () => Buffer.concat([entry('a', 'x'.repeat(700))]).subarray(0, 900), /truncated/],
  ['no end marker', () => entry('a', 'x'), /truncated/],
  ['data after the end', () => Buffer.concat([entry('a', 'x'), TAR_END, Buffer.from('evil')]), /after the end-of-archive/],
  ['bad checksum', () => {
    const b = Buffer.concat([entry('a', 'x'), TAR_END])
    b[0] = 'b'.charCodeAt(0)
    return b
  }, /checksum/],
  ['not ustar', () => Buffer.concat([rawHeader('a', 0, '0', (h) => h.write('gnu  ', 257, 'latin1')), TAR_END]), /not a POSIX ustar/],
  ['backslash name', () => Buffer.concat([rawHeader('app\\..\\x', 0, '0'), TAR_END]), /backslash/],
]
for (const [what, make, why] of refused)
  t.test(`refused: ${what}`, async (t) => {
    await t.rejects(read(make()), { code: 'HUB_ERR_UPDATE_REFUSED', message: why })
  })

t.test('safe paths', async (t) => {
  for (const ok of ['a', 'a/b.js', 'node_modules/@scope/pkg+x/index.js', 'dir with spaces/f.zip']) t.equal(safePathProblem(ok), undefined, ok)
  for (const bad of ['', '/a', 'a/../b', '..', 'a//b', './a', 'a/.', 'é', 'a\0b', 'a\nb']) t.ok(safePathProblem(bad), JSON.stringify(bad))
})
