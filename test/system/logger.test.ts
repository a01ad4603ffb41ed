import t from 'tap'
import { Writable } from 'node:stream'
import { createRootLogger } from '../../src/system/logger.js'

t.test('secrets are redacted wherever they sit in a log object', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) })
  const log = createRootLogger('debug', sink).child({ module: 'test' })
  const secrets = { password: 'hunter2-hunter2', token: 'hth_abcdefabcdef', setupCode: '7K3M-QX9P-4HTR', key: 'PRIVATE', networkKey: 'ZIGBEEKEY' }
  log.info(secrets, 'top level')
  log.warn({ account: secrets, req: { headers: { authorization: 'Bearer x1', cookie: '__Host-hearth=abc' } } }, 'nested')
  await new Promise((r) => setImmediate(r))
  const text = lines.join('')
  t.equal(lines.length, 2)
  for (const v of [...Object.values(secrets), 'Bearer x1', '__Host-hearth=abc']) t.notMatch(text, v, `${v} is not logged`)
  t.match(text, /\[redacted\]/)
  t.match(JSON.parse(lines[0]!), { module: 'test', msg: 'top level', password: '[redacted]' })
})
