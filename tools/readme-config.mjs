// Replaces the README's generated config table with the schema's (run from a checkout after build).
import fs from 'node:fs'
const { configTable } = await import(process.cwd() + '/dist/tools/config-table.js')
const p = process.cwd() + '/README.md'
const s = fs.readFileSync(p, 'utf8')
const out = s.replace(/(<!-- config-table:start[^>]*-->\n)[\s\S]*?(\n<!-- config-table:end -->)/, (_, a, b) => a + configTable() + b)
fs.writeFileSync(p, out)
console.log(out === s ? 'unchanged' : 'updated')
