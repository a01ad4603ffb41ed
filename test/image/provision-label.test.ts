import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import { provisionHub } from '../../src/cli/provision.js'
import { main } from '../../src/main.js'
import { labelSvg, labelText, qrPng } from '../../tools/image/label.js'
import { encodeQr } from '../../web-ui/src/qr.js'

/** `hearth provision` (the image's first boot and image:personalize) and the installer's label. */
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hearth-prov-'))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return path.join(d, 'data')
}

t.test('provisions once, names the hub hearth-XXXX after its own suffix, reopens the same identity', async (t) => {
  const dir = tmp()
  const a = await provisionHub(dir, { hostname: '', httpPort: 8443, withSetupCode: false })
  t.match(a.hostname, /^hearth-[23456789abcdefghjkmnpqrstvwxyz]{4}$/)
  t.equal(a.setupCode, undefined, 'no setup code unless asked')
  t.equal(a.setupUrl, `https://${a.hostname}.local:8443/#/setup`)
  t.match(a.caFingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  const b = await provisionHub(dir, { hostname: '', httpPort: 8443, withSetupCode: true })
  t.same({ ...b, setupCode: undefined }, { ...a, setupCode: undefined }, 'same hub on the second run')
  t.match(b.setupCode, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/)
  const other = await provisionHub(tmp(), { hostname: '', httpPort: 8443, withSetupCode: true })
  t.not(other.hubId, a.hubId)
  t.not(other.setupCode, b.setupCode)
  t.not(other.caFingerprint, a.caFingerprint)
})

t.test('the command: text for the boot script, usage errors coded', async (t) => {
  const dir = tmp()
  const out: string[] = []
  const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s) }
  t.equal(await main(['provision', '--data-dir', dir], {}, io), 0)
  t.match(out[0], /^hubId: [0-9a-f]{32}\nhostname: hearth-[a-z0-9]{4}\n/)
  t.notMatch(out[0], /setupCode/, 'the boot script never sees the setup code')
  t.equal(await main(['provision', 'label', '--json', '--data-dir', dir], {}, io), 0)
  t.match(JSON.parse(out[1]!), { setupCode: /^[2-9A-Z]{4}-/ })
  t.equal(await main(['provision', 'nonsense', '--data-dir', dir], {}, io), 64, 'usage error')
})

t.test('first boot: with the helper firewall, provision leaves the boot policy — once, never over the hub\'s', async (t) => {
  const dir = tmp()
  const out: string[] = []
  const io = { out: (s: string) => out.push(s), err: () => {} }
  t.equal(await main(['provision', '--json', '--data-dir', dir], {}, io), 0)
  t.equal(JSON.parse(out[0]!).bootFirewall, 'not-helper', 'development (firewall.mode=off): nothing written')
  t.notOk(existsSync(path.join(dir, 'firewall', 'state.json')))
  const env = { HEARTH_FIREWALL_MODE: 'helper' }
  t.equal(await main(['provision', '--json', '--data-dir', dir], env, io), 0)
  t.equal(JSON.parse(out[1]!).bootFirewall, 'written')
  const file = path.join(dir, 'firewall', 'state.json')
  t.equal(statSync(file).mode & 0o777, 0o600, 'state.json 0600')
  const state = JSON.parse(readFileSync(file, 'utf8'))
  t.match(state, { listeners: { mqtts: 8883, https: 8443 }, lockdown: false, dnsServers: [] })
  t.ok(state.lanInterfaces.length > 0 && state.lanInterfaces.every((l: { subnets: string[] }) => l.subnets.length === 0), 'the links, no subnets: no service port opens')
  t.notOk(state.lanInterfaces.some((l: { name: string }) => l.name === 'lo'))
  writeFileSync(file, '{"hub":"wrote this"}\n')
  t.equal(await main(['provision', '--json', '--data-dir', dir], env, io), 0)
  t.equal(JSON.parse(out[2]!).bootFirewall, 'kept', 'a later boot keeps the state the hub wrote')
  t.equal(readFileSync(file, 'utf8'), '{"hub":"wrote this"}\n')
})

t.test('label: text, SVG with the QR code of the setup URL, PNG', async (t) => {
  const l = { hubId: 'ab'.repeat(16), hostname: 'hearth-k7qz', setupCode: '7K3M-QX9P-4HTR', setupUrl: 'https://hearth-k7qz.local:8443/#/setup', caFingerprint: Array(32).fill('A1').join(':') }
  const text = labelText(l)
  for (const s of [l.hostname, l.setupCode, l.setupUrl, l.caFingerprint, l.hubId]) t.ok(text.includes(s), s)
  const svg = labelSvg(l)
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="90mm" height="50mm"/)
  t.ok(svg.includes(`>${l.setupCode}<`), 'setup code as text')
  const qr = encodeQr(l.setupUrl, 'M')
  const dark = qr.modules.flat().filter(Boolean).length
  t.equal(svg.match(/M\d+ \d+h1v1h-1z/g)?.length, dark, 'one square per dark module of the UI encoder')
  t.notMatch(labelSvg({ ...l, hostname: 'a<b>&"c' }), /a<b>/, 'text escaped')
  const png = qrPng(l.setupUrl, 4)
  const side = (qr.size + 8) * 4
  t.equal(png.readUInt32BE(16), side, 'width')
  t.equal(png.readUInt32BE(20), side, 'height')
  const idat = png.indexOf('IDAT')
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)))
  t.equal(raw.length, side * (side + 1))
  // Module (0,0) is the finder pattern's dark corner: pixel (16,16) after the 4-module quiet zone.
  t.equal(raw[16 * (side + 1) + 1 + 16], 0, 'dark finder corner')
  t.equal(raw[1 * (side + 1) + 1 + 1], 0xff, 'white quiet zone')
})
