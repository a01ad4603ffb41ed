// Summarises a V8 .cpuprofile (`node --cpu-prof`): where the busy time went, as self time by
// function and inclusive time of chosen functions, over the last `--last S` seconds only (the
// measured phase, not start-up). Usage:
//   node dist/bench/prof.js FILE.cpuprofile [--last 60] [--top 40] [--incl name,name…]
import { readFileSync } from 'node:fs'
import path from 'node:path'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const args = process.argv.slice(2)
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1]! : dflt
}
const file = args[0]
if (!file) throw new Error('usage: prof.js FILE.cpuprofile [--last S] [--top N] [--incl a,b]')
const lastS = Number(opt('--last', '0'))
const top = Number(opt('--top', '40'))
const incl = opt('--incl', 'authorizePublishHook,checkPublishContent,validateState,check,authorizeForward,_do,handlePublish,emitPacket,writeToStream,take,deliverQoS')
  .split(',')
  .filter(Boolean)

const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const label = (n: Node) => {
  const f = n.callFrame
  const where = f.url ? `${path.basename(path.dirname(f.url.replace(/^file:\/\//, '')))}/${path.basename(f.url)}:${f.lineNumber + 1}` : ''
  return `${f.functionName || '(anonymous)'} ${where}`.trim()
}

// Sample times: startTime + cumulative deltas; each sample's weight is the next delta.
const times: number[] = []
let t = p.startTime
for (const d of p.timeDeltas) times.push((t += d))
const from = lastS > 0 ? p.endTime - lastS * 1e6 : -Infinity
const self = new Map<string, number>()
const inclusive = new Map<string, number>()
let busy = 0
let idle = 0
for (let i = 0; i < p.samples.length; i++) {
  if (times[i]! < from) continue
  const w = (times[i + 1] ?? p.endTime) - times[i]!
  const n = byId.get(p.samples[i]!)!
  const name = n.callFrame.functionName
  if (name === '(idle)') {
    idle += w
    continue
  }
  busy += w
  const l = label(n)
  self.set(l, (self.get(l) ?? 0) + w)
  const seen = new Set<string>()
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const node = byId.get(id)!
    for (const key of [node.callFrame.functionName, label(node)]) {
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + w)
    }
  }
}
const pct = (x: number) => ((100 * x) / busy).toFixed(1).padStart(5)
console.log(`${path.basename(file)}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (window: ${lastS > 0 ? `last ${lastS} s` : 'whole profile'})`)
console.log('\nself time, % of busy:')
for (const [l, w] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(w)}  ${l}`)
console.log('\ninclusive, % of busy (chosen functions, by name):')
for (const fn of incl) console.log(`${pct(inclusive.get(fn) ?? 0)}  ${fn}`)
console.log('\ninclusive, % of busy (top, by function and place):')
for (const [l, w] of [...inclusive].filter(([k]) => k.includes(' ')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(w)}  ${l}`)
