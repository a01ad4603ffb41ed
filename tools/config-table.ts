// Prints the configuration reference as a Markdown table, generated from the config schema.
// `node dist/tools/config-table.js` — the README's table must equal this (a test checks it).
import { configReference } from '../src/core/config.js'

export function configTable(): string {
  const rows = configReference().map(
    (r) => `| \`${r.key}\` | \`${r.flag}\` | \`${r.env}\` | \`${JSON.stringify(r.default)}\` | ${r.description} |`,
  )
  return ['| setting | flag | environment | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable())
