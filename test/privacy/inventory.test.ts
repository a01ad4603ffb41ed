import t from 'tap'
import { readFileSync } from 'node:fs'
import { DATA_INVENTORY, inventoryMarkdown } from '../../src/privacy/inventory.js'
import { startTestHub } from '../helpers/test-hub.js'
import { GOOD_PASSWORD, WebClient } from '../helpers/web-client.js'

t.test('docs/privacy.md holds the inventory table generated from the code', async (t) => {
  const doc = readFileSync('docs/privacy.md', 'utf8')
  const m = /<!-- privacy-inventory:start[^>]*-->\n([\s\S]*?)\n<!-- privacy-inventory:end -->/.exec(doc)
  t.ok(m, 'markers present')
  t.equal(m![1], inventoryMarkdown(), 'regenerate with: node dist/tools/privacy-table.js')
  for (const kind of ['owner', 'devices', 'history', 'pairing', 'logs', 'uplink', 'consent', 'sessions'])
    t.ok(DATA_INVENTORY.some((i) => i.id === kind), `the inventory covers ${kind}`)
})

t.test('the privacy page is served the same table; owner only', async (t) => {
  const h = await startTestHub(t)
  const c = new WebClient(h.hub.status().listeners.https.port, h.ca)
  t.equal((await c.get('/api/v1/privacy')).status, 401)
  await c.post('/api/v1/claim', { setupCode: h.hub.identity.setupCode, name: 'Ada', password: GOOD_PASSWORD })
  const r = await c.get('/api/v1/privacy')
  t.equal(r.status, 200)
  t.same(r.body.inventory, DATA_INVENTORY, 'the page and the doc come from one table')
  t.same(r.body.consents, [], 'nothing leaves the home by default')
  t.equal(r.body.historyDays, 7)
  t.equal(r.body.lastWipe, null)
})
