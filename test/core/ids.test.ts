import t from 'tap'
import { randomBytes } from 'node:crypto'
import {
  SETUP_CODE_ALPHABET,
  SETUP_CODE_BITS,
  isSetupCodeShape,
  newExtendedPanId,
  newPanId,
  newSetupCode,
  normaliseSetupCode,
} from '../../src/core/ids.js'

t.test('setup codes: ≥ 40 bits, no look-alike symbols, grouped, from the given CSPRNG', async (t) => {
  t.ok(SETUP_CODE_BITS >= 40, `entropy ${SETUP_CODE_BITS.toFixed(1)} bits`)
  for (const ch of '01ILOU') t.notOk(SETUP_CODE_ALPHABET.includes(ch), `alphabet has no ${ch}`)
  const seen = new Set<string>()
  const bad: string[] = []
  for (let i = 0; i < 2000; i++) {
    const code = newSetupCode(randomBytes)
    if (!isSetupCodeShape(code)) bad.push(code)
    seen.add(code)
  }
  t.same(bad, [], 'every code has the XXXX-XXXX-XXXX shape')
  t.equal(seen.size, 2000, 'no repeats in 2000 codes')
})

t.test('setup code symbols are uniform (no modulo bias)', async (t) => {
  const counts = new Map<string, number>()
  for (let i = 0; i < 3000; i++) for (const ch of newSetupCode(randomBytes).replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  const n = 3000 * 12
  const expected = n / SETUP_CODE_ALPHABET.length
  let chi2 = 0
  for (const ch of SETUP_CODE_ALPHABET) chi2 += ((counts.get(ch) ?? 0) - expected) ** 2 / expected
  // 29 degrees of freedom: p = 0.0001 at ≈ 66.6
  t.ok(chi2 < 66.6, `chi² ${chi2.toFixed(1)}`)
})

t.test('setup code is the same code whatever the case, spaces and dashes typed', async (t) => {
  t.equal(normaliseSetupCode('7k3m qx9p-4htr'), '7K3M-QX9P-4HTR')
  t.equal(normaliseSetupCode('7K3MQX9P4HTR'), '7K3M-QX9P-4HTR')
})

t.test('a deterministic RNG gives a deterministic code: nothing else goes in', async (t) => {
  const fixed = (n: number) => new Uint8Array(n).fill(7)
  t.equal(newSetupCode(fixed), newSetupCode(fixed))
})

t.test('Zigbee PAN ids avoid reserved values', async (t) => {
  const seq = [
    [0, 0],
    [0xff, 0xff],
    [0xf8, 0xff],
    [0x34, 0x12],
  ]
  let i = 0
  t.equal(newPanId(() => Uint8Array.from(seq[i++]!)), 0x1234)
  let j = 0
  const ext = [new Uint8Array(8), new Uint8Array(8).fill(0xff), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])]
  t.equal(newExtendedPanId(() => ext[j++]!), '0102030405060708')
})
