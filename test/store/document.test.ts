import t from 'tap'
import { mkdtempSync, promises as fsp, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { silentLogger, type Logger } from '../../src/core/log.js'
import { HubError } from '../../src/core/errors.js'
import { DurableDocument } from '../../src/store/document.js'
import { encodeEnvelope } from '../../src/store/envelope.js'

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'hearth-doc-'))
function capture(): { log: Logger; warnings: string[] } {
  const warnings: string[] = []
  const log: Logger = { ...silentLogger, warn: ((o: unknown, m?: string) => void warnings.push(String(m ?? o))) as Logger['warn'], child: () => log }
  return { log, warnings }
}

t.test('write then read; previous generation kept; files 0600', async (t) => {
  const dir = tmp()
  const doc = new DurableDocument<{ v: number }>(dir, { name: 'a.json', schema: 1 }, silentLogger)
  t.equal(await doc.read(), null, 'absent document reads as null')
  await doc.write({ v: 1 })
  await doc.write({ v: 2 })
  t.same(await doc.read(), { v: 2 })
  t.match(readFileSync(path.join(dir, 'a.json.prev'), 'utf8'), /"v":1/)
  t.equal(statSync(path.join(dir, 'a.json')).mode & 0o777, 0o600)
  t.same(readdirSync(dir).sort(), ['a.json', 'a.json.prev'], 'no temp files left behind')
})

t.test('concurrent writes are serialised and coalesced; each resolves once durable', async (t) => {
  const dir = tmp()
  const doc = new DurableDocument<{ v: number }>(dir, { name: 'a.json', schema: 1 }, silentLogger)
  await Promise.all(Array.from({ length: 50 }, (_, i) => doc.write({ v: i })))
  t.same(await doc.read(), { v: 49 }, 'the last write wins')
})

for (const [name, damage] of [
  ['torn (truncated) file', (text: string) => text.slice(0, text.length / 2)],
  ['flipped byte that still parses', (text: string) => text.replace('"v":2', '"v":3')],
  ['empty file', () => ''],
] as const) {
  t.test(`${name}: fall back to the previous generation, keep the damaged copy, log it`, async (t) => {
    const dir = tmp()
    const { log, warnings } = capture()
    const doc = new DurableDocument<{ v: number }>(dir, { name: 'a.json', schema: 1 }, log)
    await doc.write({ v: 1 })
    await doc.write({ v: 2 })
    const file = path.join(dir, 'a.json')
    const damaged = damage(readFileSync(file, 'utf8'))
    writeFileSync(file, damaged)
    t.same(await doc.read(), { v: 1 })
    t.equal(warnings.length, 1, 'logged once')
    const aside = readdirSync(dir).find((f) => f.startsWith('a.json.damaged-'))
    t.ok(aside, 'damaged copy kept aside')
    t.equal(readFileSync(path.join(dir, aside!), 'utf8'), damaged, 'damaged bytes never overwritten')
  })
}

t.test('no valid generation: refuse with the file named, change nothing', async (t) => {
  const dir = tmp()
  writeFileSync(path.join(dir, 'a.json'), '{"format":"hearth-doc/1","schema":1,"sha')
  const before = readdirSync(dir)
  const doc = new DurableDocument<{ v: number }>(dir, { name: 'a.json', schema: 1 }, silentLogger)
  const err = await doc.read().catch((e: unknown) => e)
  t.ok(err instanceof HubError && err.code === 'HUB_ERR_STORE_CORRUPT', 'refused as corrupt')
  t.match((err as Error).message, path.join(dir, 'a.json'), 'names the file')
  t.same(readdirSync(dir), before)
})

t.test('a document from a newer schema is refused, not rewritten', async (t) => {
  const dir = tmp()
  writeFileSync(path.join(dir, 'a.json'), encodeEnvelope(3, { v: 1 }))
  const doc = new DurableDocument<{ v: number }>(dir, { name: 'a.json', schema: 2 }, silentLogger)
  await t.rejects(doc.read(), { code: 'HUB_ERR_STORE_VERSION' })
})

t.test('migrations run in order and the result is written back', async (t) => {
  const dir = tmp()
  writeFileSync(path.join(dir, 'a.json'), encodeEnvelope(1, { name: 'x' }))
  const doc = new DurableDocument<{ name: string; rooms: string[]; v3: boolean }>(
    dir,
    {
      name: 'a.json',
      schema: 3,
      migrations: {
        1: (d) => ({ ...(d as object), rooms: [] }),
        2: (d) => ({ ...(d as object), v3: true }),
      },
    },
    silentLogger,
  )
  t.same(await doc.read(), { name: 'x', rooms: [], v3: true })
  t.match(await fsp.readFile(path.join(dir, 'a.json'), 'utf8'), /"schema":3/)
})

t.test('a sealed document never holds plain text on disk; a plain one is sealed on first read; another key cannot open it', async (t) => {
  const { Sealer, randomBytes } = await import('../../src/store/sealer.js')
  const dir = tmp()
  const spec = { name: 's.json', schema: 1, sealed: true }
  writeFileSync(path.join(dir, 's.json'), encodeEnvelope(1, { name: 'Canary Plain' }))
  writeFileSync(path.join(dir, 's.json.prev'), encodeEnvelope(1, { name: 'Canary Older' }))
  const sealer = new Sealer(randomBytes(32))
  const doc = new DurableDocument<{ name: string }>(dir, spec, silentLogger, sealer)
  t.same(await doc.read(), { name: 'Canary Plain' }, 'a document from before sealing still loads')
  for (const f of readdirSync(dir)) t.notMatch(readFileSync(path.join(dir, f), 'utf8'), /Canary/, `${f} holds no plain text`)
  await doc.write({ name: 'Canary Two' })
  t.same(await new DurableDocument<{ name: string }>(dir, spec, silentLogger, sealer).read(), { name: 'Canary Two' })
  const other = new DurableDocument<{ name: string }>(dir, spec, silentLogger, new Sealer(randomBytes(32)))
  await t.rejects(other.read(), { code: 'HUB_ERR_STORE_CORRUPT' }, 'under another key it is damaged, never silently empty')
})

t.test('after an unclean stop: temp files of interrupted writes are removed and logged; the documents load', async (t) => {
  const { Store } = await import('../../src/store/store.js')
  const dir = path.join(tmp(), 'data')
  const first = await Store.open(dir, silentLogger)
  const doc = await first.document<{ n: number }>({ name: 'a.json', schema: 1 }, () => ({ n: 0 }))
  doc.data.n = 7
  await doc.write()
  first.close()
  writeFileSync(path.join(dir, 'a.json.tmp-4242'), '{"torn')
  writeFileSync(path.join(dir, 'a.json.prev-tmp-4242'), '')
  const { log, warnings } = capture()
  const store = await Store.open(dir, log)
  t.teardown(() => store.close())
  await store.removeLeftovers()
  t.same(readdirSync(dir).filter((f) => f.includes('tmp-')), [], 'leftovers gone')
  t.equal(warnings.filter((w) => /unclean stop/.test(w)).length, 2, 'each removal logged')
  t.equal((await store.document<{ n: number }>({ name: 'a.json', schema: 1 }, () => ({ n: 0 }))).data.n, 7, 'the last durable write loads')
})
