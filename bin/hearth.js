#!/usr/bin/env node
// The `hearth` command: the built hub's entry point (run `npm run build` first in a checkout).
import { main } from '../dist/app/hearth.mjs'

main(process.argv.slice(2), process.env).then((code) => {
  process.exitCode = code
  setTimeout(() => process.exit(code), 200).unref()
})
