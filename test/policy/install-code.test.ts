import t from 'tap'
import { createCipheriv, randomBytes } from 'node:crypto'
import { aesMmoHash, crc16x25, parseInstallCode } from '../../src/policy/install-code.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// A second, independent CRC-16/X-25: the non-reflected MSB-first form of polynomial 0x1021,
// with every input byte and the result bit-reversed (which is what "refin/refout" means).
const rev = (v: number, bits: number) => {
  let r = 0
  for (let i = 0; i < bits; i++) if (v & (1 << i)) r |= 1 << (bits - 1 - i)
  return r
}
function crcMsbFirst(data: Uint8Array): number {
  let crc = 0xffff
  for (const b of data) {
    crc ^= rev(b, 8) << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return rev(crc, 16) ^ 0xffff
}

// A second AES-MMO: pad by formula (k zero bits with l + 1 + k ≡ 112 mod 128, annex B.6) and
// hash with an explicit block loop.
function mmoByFormula(m: Buffer): Buffer {
  const l = m.length * 8
  const k = (((112 - (l + 1)) % 128) + 128) % 128
  const padBits = 1 + k
  const pad = Buffer.alloc(padBits / 8)
  pad[0] = 0x80
  const len = Buffer.alloc(2)
  len.writeUInt16BE(l)
  const all = Buffer.concat([m, pad, len])
  let h = Buffer.alloc(16)
  for (let i = 0; i < all.length / 16; i++) {
    const block = all.subarray(i * 16, i * 16 + 16)
    const aes = createCipheriv('aes-128-ecb', h, null)
    aes.setAutoPadding(false)
    const e = aes.update(block)
    h = Buffer.from(e.map((x, j) => x ^ block[j]!))
  }
  return h
}

t.test('CRC-16/X-25 catalogue check value and the cross-check', async (t) => {
  t.equal(crc16x25(Buffer.from('123456789')), 0x906e, 'reveng catalogue check value')
  t.equal(crcMsbFirst(Buffer.from('123456789')), 0x906e, 'the second implementation agrees on it')
  const differ = Array.from({ length: 500 }, (_, i) => randomBytes(1 + (i % 20))).filter((b) => crc16x25(b) !== crcMsbFirst(b))
  t.same(differ.map(hex), [], '500 random inputs: both implementations agree')
})

t.test('the published install code vector (Zigbee spec / Silicon Labs AN1089 example)', async (t) => {
  // 83FE D340 7A93 9723 A5C6 39B2 6916 D505 C3B5 → link key 66B6 9009 81E1 EE3C A420 6B6B 861C 02BB
  const r = parseInstallCode('83FE D340 7A93 9723 A5C6 39B2 6916 D505 C3B5')
  if (!r.ok) return t.fail(r.reason)
  t.equal(r.crc, 0xb5c3, 'CRC bytes C3 B5, little-endian')
  t.equal(hex(r.linkKey), '66b6900981e1ee3ca4206b6b861c02bb')
  t.equal(hex(mmoByFormula(Buffer.from(r.codeWithCrc))), '66b6900981e1ee3ca4206b6b861c02bb', 'the second implementation agrees')
  t.equal(hex(r.codeWithCrc), '83fed3407a939723a5c639b26916d505c3b5')
})

t.test('every code length, generated with the independent CRC, parses and hashes the same both ways', async (t) => {
  for (const n of [6, 8, 12, 16]) {
    for (let i = 0; i < 20; i++) {
      const code = randomBytes(n)
      const crc = crcMsbFirst(code)
      const text = code.toString('hex') + Buffer.from([crc & 0xff, crc >> 8]).toString('hex')
      const r = parseInstallCode(i % 2 ? text.toUpperCase() : text.replace(/(....)/g, '$1-'))
      if (!r.ok) return t.fail(`${n} bytes: ${r.reason}`)
      t.equal(hex(r.linkKey), hex(mmoByFormula(Buffer.from(text, 'hex'))), `${n}-byte code ${i}`)
    }
  }
  // Block boundaries of the padding: 13, 14, 15, 16, 17 bytes, and an empty message.
  for (const n of [0, 13, 14, 15, 16, 17, 30, 31, 32]) {
    const m = randomBytes(n)
    t.equal(hex(aesMmoHash(m)), hex(mmoByFormula(m)), `MMO of ${n} bytes`)
  }
})

t.test('bad install codes are refused with a reason', async (t) => {
  const cases: Array<[string, string]> = [
    ['83FED3407A939723A5C639B26916D5054195', 'bad-crc'], // same code, wrong CRC
    ['83FED3407A939723A5C639B26916D505C3B4', 'bad-crc'],
    ['83FED3407A939723A5C639B26916D505B5C3', 'bad-crc'], // CRC byte order swapped
    ['83FED3407A939723A5C639B26916D505C3', 'bad-length'], // 17 bytes
    ['83FED3407A939723A5C639B26916D505C3B500', 'bad-length'],
    ['', 'bad-length'],
    ['83FED3407A939723A5C639B26916D505C3BZ', 'not-hex'],
    ['83FED3407A939723A5C639B26916D505C3B', 'not-hex'], // odd number of digits
    ['83FE_D340', 'not-hex'],
    ['0'.repeat(200), 'bad-length'], // capped before any work
  ]
  for (const [text, reason] of cases) t.match(parseInstallCode(text), { ok: false, reason }, text.slice(0, 40))
  t.match(parseInstallCode(42 as unknown as string), { ok: false })
})
