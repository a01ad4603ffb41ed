#!/usr/bin/env node
// Builds the web UI into web-ui/dist (which the hub loads into memory at start):
// type-checks web-ui/src/*.ts (web-ui/tsconfig.json), compiles each module, adds web-ui/static/*,
// checks the hub's asset rules and the size budget, then writes only the files whose bytes
// changed (each via a temporary file and a rename) and deletes files no longer produced.
// Same sources → same bytes; a run with nothing to change writes nothing.
//
//   node web-ui/build.mjs [--quiet] [--no-check]
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { walk, writeChanged } from '../tools/write-changed.mjs'

const root = path.dirname(fileURLToPath(import.meta.url))
const out = path.join(root, 'dist')
const quiet = process.argv.includes('--quiet')
// --no-check: skip the type check (the tests use it; `npm run build` checks).
const noCheck = process.argv.includes('--no-check')
// The hub's rules (src/web/assets.ts) and this UI's own budget.
const TYPES = ['.html', '.js', '.css', '.svg', '.png', '.ico', '.json', '.webmanifest', '.txt']
const NAME = /^[A-Za-z0-9._/-]+$/
const MAX_FILE = 1024 * 1024
const BUDGET = 96 * 1024

function fail(message) {
  process.stderr.write(`web-ui build: ${message}\n`)
  process.exit(1)
}

/** The source's tokens as the parser sees them (leaves of the syntax tree), with their text. */
function tokens(text, name) {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  if (sf.parseDiagnostics?.length) fail(`${name}: cannot parse the compiled output`)
  const out = []
  const visit = (node) => {
    const kids = node.getChildren(sf)
    if (kids.length) return kids.forEach(visit)
    if (node.kind === ts.SyntaxKind.EndOfFileToken || node.end === node.getStart(sf)) return
    out.push({ kind: node.kind, start: node.getStart(sf), end: node.end, text: text.slice(node.getStart(sf), node.end) })
  }
  visit(sf)
  return out
}

/**
 * Whitespace-only minification of compiled JS: tokens are copied as they are (strings, template
 * parts and regular expressions untouched); between two tokens a line break stays (so
 * automatic semicolon insertion cannot change) unless it follows ; { or , and other whitespace
 * goes unless the tokens would fuse. The result is re-parsed and must give exactly the same tokens, or the build fails.
 */
function minifyJs(text, name) {
  const toks = tokens(text, name)
  let js = ''
  let prev = null
  for (const t of toks) {
    if (prev) {
      const gap = text.slice(prev.end, t.start)
      // A line break after ; { or , can never end a statement by itself (ASI would make an empty
      // or invalid one), so it goes; every other line break stays.
      if (/\n/.test(gap)) js += /^[;{,]$/.test(prev.text) ? '' : '\n'
      else if (gap && (/[\w$\\]$/.test(prev.text) && /^[\w$\\]/.test(t.text) || /[+\-/]$/.test(prev.text) && /^[+\-/*]/.test(t.text) || /^\./.test(t.text) && /\d$/.test(prev.text))) js += ' '
    }
    js += t.text
    prev = t
  }
  js += '\n'
  const a = toks.map((t) => `${t.kind}:${t.text}`)
  const b = tokens(js, name).map((t) => `${t.kind}:${t.text}`)
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) fail(`${name}: minified code does not match the compiled code`)
  return js
}

/** Comments and optional whitespace out of CSS (no strings in it carry runs of spaces). */
function minifyCss(css) {
  return `${css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim()}\n`
}

// 1. Type-check, then compile (in memory).
const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')) })
if (config.errors.length) fail(ts.formatDiagnostics(config.errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }))
if (!noCheck) {
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram(config.fileNames, config.options))
  if (diagnostics.length) fail(`\n${(process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics)(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`)
}
// Each module on its own (isolatedModules): the same bytes whether or not the check ran.
const files = new Map()
for (const file of [...config.fileNames].sort()) {
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: config.options, fileName: file, reportDiagnostics: true })
  if (diagnostics?.length) fail(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }))
  const rel = path.relative(config.options.rootDir, file).split(path.sep).join('/').replace(/\.ts$/, '.js')
  files.set(rel, Buffer.from(minifyJs(outputText, rel), 'utf8'))
}

// 2. Static files.
const staticDir = path.join(root, 'static')
for (const rel of walk(staticDir)) {
  if (files.has(rel)) fail(`${rel} is both compiled and static`)
  const body = readFileSync(path.join(staticDir, rel))
  files.set(rel, rel.endsWith('.css') ? Buffer.from(minifyCss(body.toString('utf8')), 'utf8') : body)
}

// 3. Check.
let total = 0
for (const [rel, body] of files) {
  if (!TYPES.includes(path.extname(rel)) || !NAME.test(rel)) fail(`${rel}: the hub would not serve this name`)
  if (body.length > MAX_FILE) fail(`${rel} is over 1 MiB`)
  total += body.length
}
if (!files.has('index.html')) fail('no index.html')
if (total > BUDGET) fail(`the UI is ${total} bytes, over its ${BUDGET}-byte budget`)

// 4. Write what changed; delete what is no longer produced.
const { written, removed } = writeChanged(out, files)
if (!quiet) process.stdout.write(`web-ui: ${files.size} files, ${total} bytes (${written} written, ${removed} removed) in web-ui/dist\n`)
