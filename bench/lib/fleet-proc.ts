// A device fleet in its own process (so its 2,000 TLS clients do not share an event loop with
// the benchmark's own measurements). JSON lines on stdin, one answer each on stdout:
//   {op:'start', creds, options, spacingMs} · {op:'connected'} · {op:'mark'} · {op:'report'} · {op:'stop'}
import { createInterface } from 'node:readline'
import { DeviceFleet, type FleetOptions } from './fleet.js'
import type { Cred } from './brokers.js'

let fleet: DeviceFleet | undefined
const rl = createInterface({ input: process.stdin })
rl.on('close', () => process.exit(0))
rl.on('line', (line) => {
  const req = JSON.parse(line) as { op: string; creds?: Cred[]; options?: FleetOptions; spacingMs?: number; state?: boolean }
  let out: unknown = { ok: true }
  if (req.op === 'start') {
    const opts = { ...req.options!, ...(req.state ? { statePayload: (_c: Cred, n: number) => JSON.stringify({ temperature: 20 + (n % 10), humidity: 40, battery: 100 }) } : {}) }
    fleet = new DeviceFleet(req.creds!, opts)
    fleet.start(req.spacingMs ?? 0)
  } else if (req.op === 'connected') out = { connected: fleet?.connected() ?? 0 }
  else if (req.op === 'mark') fleet?.mark()
  else if (req.op === 'report') out = fleet?.report()
  else if (req.op === 'stop') fleet?.stop()
  process.stdout.write(JSON.stringify(out) + '\n')
})
process.stdout.write('{"ready":true}\n')
