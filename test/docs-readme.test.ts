import t from 'tap'
import { readFileSync } from 'node:fs'
import { configTable } from '../tools/config-table.js'

t.test('the README configuration table is the one generated from the schema', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  const m = /<!-- config-table:start[^>]*-->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)
  t.ok(m, 'README has the generated table markers')
  t.equal(m![1], configTable(), 'regenerate with: npm run docs:config')
})

t.test('the README names both quick-start commands', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  t.match(readme, 'npm ci && npm start')
  t.match(readme, 'npm test')
})
