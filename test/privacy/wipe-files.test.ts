import t from 'tap'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { eraseDataDir, readMarker } from '../../src/privacy/wipe-files.js'
import { tmpDir } from '../helpers/hub-process.js'

t.test('erase: the key is zeroed before it goes; everything but the marker, socket and config is deleted; idempotent', async (t) => {
  const dir = tmpDir()
  writeFileSync(path.join(dir, 'data.key'), Buffer.alloc(32, 7))
  for (const f of ['owner.json', 'owner.json.prev', 'accounts.json.damaged-1', 'hub.json.tmp-99', 'wipe.marker', 'config.json', 'hearth.sock', 'wipe-receipt.json'])
    writeFileSync(path.join(dir, f), 'x')
  mkdirSync(path.join(dir, 'history', 'deep'), { recursive: true })
  writeFileSync(path.join(dir, 'history', 'h-1.seg'), 'x')
  writeFileSync(path.join(dir, 'history', 'deep', 'y'), 'x')
  const steps: string[] = []
  let keyAtFirstStep: Buffer | null = null
  const r = await eraseDataDir(dir, async (s) => {
    if (!steps.length) keyAtFirstStep = existsSync(path.join(dir, 'data.key')) ? readFileSync(path.join(dir, 'data.key')) : null
    steps.push(s)
  })
  t.equal(steps[0], 'key destroyed', 'the key goes first')
  t.equal(keyAtFirstStep, null, 'and is gone before anything else is touched')
  t.same(readdirSync(dir).sort(), ['config.json', 'hearth.sock', 'wipe.marker'])
  t.equal(r.files, 7, 'counted')
  t.same(await eraseDataDir(dir), { files: 0, bytes: 0 }, 'a second pass finds nothing and fails on nothing')
})

t.test('a marker that cannot be read still means a wipe was asked for', async (t) => {
  const dir = tmpDir()
  t.equal(await readMarker(dir), null)
  writeFileSync(path.join(dir, 'wipe.marker'), '{"torn')
  t.match(await readMarker(dir), { format: 'hearth-wipe/1' })
})
