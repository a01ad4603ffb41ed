import t from 'tap'
import { createHash } from 'node:crypto'
import { encodeQr, type Ecc } from '../../web-ui/src/qr.js'

/**
 * The UI's own QR encoder against an independent one: each expected hash is of the module
 * matrix (rows of 0/1, joined by \n) that python-qrcode 7.4 (Debian's python3-qrcode) makes for
 * the same text, error-correction level and mask, in byte mode; zbarimg decoded the UI's codes
 * back to the same text when these vectors were made.
 */
const VECTORS: Array<[text: string, ecc: Ecc, mask: number, version: number, sha256: string]> = [
  ['hello', 'M', 0, 1, '52a7aa67e7296ede539d6be86579c7180e3b6d417445712ae8bd314c1818458a'],
  [
    `mqtts://d-abc234defg:hth_${'Ab9_-x'.repeat(6)}Ab9@hearth.local:8883?clientId=d-abc234defg&caSha256=${'ab12'.repeat(16)}`,
    'M',
    3,
    9,
    'c7d541a2255a66bb89692a2e4c04944e1d70000b631aab96bbae5ea8c9648172',
  ],
  ['Ωmega ünïcode ✓', 'Q', 5, 2, 'c84b4a9bf58848f2a62917cf8e71d21fce8b9431db2a0ae7328c10e84966fd45'],
  ['0123456789abcdef'.repeat(40), 'L', 6, 17, '79ef5a26bdc8752f6938865d5de58c49f54e4a91bdc46653d3c8a70e264017b8'],
  ['hearth '.repeat(180), 'H', 7, 40, '1ca8f662f1ef092273bb4b0e61faea19cbd9539ccb3dfc739d056c58475875da'],
]

const matrix = (m: boolean[][]) => m.map((r) => r.map((b) => (b ? '1' : '0')).join('')).join('\n')

t.test('matches an independent encoder, versions 1 to 40, every EC level', async (t) => {
  for (const [text, ecc, mask, version, sha] of VECTORS) {
    const q = encodeQr(text, ecc, mask)
    t.equal(q.version, version, `${ecc} ${text.length} bytes → version ${version}`)
    t.equal(q.size, version * 4 + 17)
    t.equal(createHash('sha256').update(matrix(q.modules)).digest('hex'), sha, `${ecc} v${version} mask ${mask}: same modules`)
  }
})

t.test('picks a mask by penalty, and refuses text that does not fit', async (t) => {
  const q = encodeQr('mqtts://d-x:token@hearth.local:8883', 'M')
  t.ok(q.mask >= 0 && q.mask <= 7)
  // The three finder patterns sit in their corners whatever the mask.
  for (const [x, y] of [[0, 0], [q.size - 7, 0], [0, q.size - 7]] as const) {
    t.equal(q.modules[y + 3]![x + 3], true, 'finder centre is dark')
    t.equal(q.modules[y + 1]![x + 1], false, 'finder ring is light')
  }
  t.throws(() => encodeQr('x'.repeat(3000), 'M'), RangeError)
})
