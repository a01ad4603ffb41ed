#!/usr/bin/env node
// Dependency audit under docs/security/audit-policy.md (EN 303 645 5.2-3): `npm audit --omit=dev`,
// then the policy: a high or critical advisory in a production dependency fails, unless the
// allow-list (docs/security/audit-allowlist.json) names it with a justification and an expiry
// date that has not passed. If the audit cannot run (the advisory endpoint is unreachable or
// answers an error), this FAILS (exit 3): "no findings" is never assumed.
//   node tools/audit.mjs [--json]
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const FAILING = new Set(['high', 'critical'])

function runAudit() {
  return new Promise((resolve) => {
    execFile('npm', ['audit', '--omit=dev', '--json'], { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ err, stdout, stderr })
    })
  })
}

/** The allow-list: [{ id, package, justification, expires: 'YYYY-MM-DD' }]. */
function allowList() {
  const list = JSON.parse(readFileSync(path.join(root, 'docs/security/audit-allowlist.json'), 'utf8'))
  if (!Array.isArray(list)) throw new Error('audit-allowlist.json must be an array')
  for (const e of list)
    if (!e.id || !e.package || !e.justification || !/^\d{4}-\d{2}-\d{2}$/.test(e.expires ?? ''))
      throw new Error(`audit-allowlist.json: every entry needs id, package, justification and expires (YYYY-MM-DD): ${JSON.stringify(e)}`)
  return list
}

export function judge(report, list, now = Date.now()) {
  const findings = []
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {}))
    for (const via of v.via ?? [])
      if (typeof via === 'object') findings.push({ package: name, id: String(via.source ?? via.url), severity: via.severity, title: via.title, url: via.url, range: via.range })
  const failing = []
  const allowed = []
  for (const f of findings) {
    if (!FAILING.has(f.severity)) continue
    const entry = list.find((e) => e.package === f.package && (e.id === f.id || e.id === f.url))
    if (entry && Date.parse(`${entry.expires}T23:59:59Z`) >= now) allowed.push({ ...f, justification: entry.justification, expires: entry.expires })
    else failing.push({ ...f, ...(entry ? { expired: entry.expires } : {}) })
  }
  return { findings, failing, allowed }
}

async function main() {
  const json = process.argv.includes('--json')
  const { err, stdout, stderr } = await runAudit()
  let report
  try {
    report = JSON.parse(stdout)
  } catch {
    report = undefined
  }
  if (!report || !('vulnerabilities' in report)) {
    const why = report?.message ?? (stderr.trim().split('\n').pop() || err?.message || 'no report')
    process.stderr.write(`\n*** AUDIT COULD NOT RUN: ${why}\n*** The dependency audit is required (docs/security/audit-policy.md); failing rather than assuming no findings.\n\n`)
    process.exit(3)
  }
  const r = judge(report, allowList())
  if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
  else {
    const counts = report.metadata?.vulnerabilities ?? {}
    process.stdout.write(`audit (production dependencies): ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'no report counts'}\n`)
    for (const f of r.allowed) process.stdout.write(`  allowed until ${f.expires}: ${f.severity} ${f.package} ${f.id} — ${f.justification}\n`)
    for (const f of r.failing) process.stdout.write(`  FAIL: ${f.severity} ${f.package} ${f.title} ${f.url}${f.expired ? ` (allow-list entry expired ${f.expired})` : ''}\n`)
  }
  process.exit(r.failing.length > 0 ? 1 : 0)
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main()
