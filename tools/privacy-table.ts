// Prints the personal-data inventory as a Markdown table (src/privacy/inventory.ts).
// `node dist/tools/privacy-table.js` — docs/privacy.md must hold this table (a test checks it).
import { inventoryMarkdown } from '../src/privacy/inventory.js'

if (import.meta.url === `file://${process.argv[1]}`) console.log(inventoryMarkdown())
