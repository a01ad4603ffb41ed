import t from 'tap'
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// @ts-expect-error a build-time .mjs helper without declarations
import { writeChanged } from '../../tools/write-changed.mjs'

/** The writer both builds use for folders running hubs read from (dist/app, web-ui/dist). */
const run = writeChanged as (out: string, files: Map<string, Buffer>, modeOf?: (rel: string) => number) => { written: number; removed: number }

t.test('writes new and changed files whole, leaves unchanged ones alone, removes what is no longer produced', async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'hearth-write-'))
  const files = new Map([
    ['a.mjs', Buffer.from('one')],
    ['sub/b.css', Buffer.from('two')],
  ])
  t.same(run(out, files, (rel) => (rel === 'a.mjs' ? 0o755 : 0o644)), { written: 2, removed: 0 })
  t.equal(statSync(path.join(out, 'a.mjs')).mode & 0o777, 0o755, 'mode as asked')
  const inode = statSync(path.join(out, 'sub/b.css')).ino
  mkdirSync(path.join(out, 'old'))
  writeFileSync(path.join(out, 'old/stale.js'), 'x')
  files.set('a.mjs', Buffer.from('one, changed'))
  t.same(run(out, files), { written: 1, removed: 1 })
  t.equal(readFileSync(path.join(out, 'a.mjs'), 'utf8'), 'one, changed')
  t.equal(statSync(path.join(out, 'sub/b.css')).ino, inode, 'an unchanged file is not rewritten (same inode)')
  t.same(readdirSync(path.join(out, 'old')), [], 'the stale file is gone')
  t.notOk(readdirSync(out).some((n) => n.endsWith('.tmp')), 'no temporary file left')
  t.same(run(out, files), { written: 0, removed: 0 }, 'an unchanged build writes nothing')
})
