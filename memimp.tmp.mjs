const mods = process.argv.slice(2)
const f = (x) => (x / 1048576).toFixed(1)
const snap = () => { globalThis.gc(); const m = process.memoryUsage(); return m }
let prev = snap()
console.log('base rss', f(prev.rss), 'heap', f(prev.heapUsed))
for (const m of mods) {
  await import(m)
  await new Promise(r => setTimeout(r, 200))
  const cur = snap()
  console.log(m.padEnd(40), 'rss +', f(cur.rss - prev.rss), 'heapUsed +', f(cur.heapUsed - prev.heapUsed), 'total rss', f(cur.rss))
  prev = cur
}
