#!/usr/bin/env node
import readline from 'node:readline'
import { ZnpSimulator, type Fault } from './simulator.js'
import { servePty, serveTcp } from './link.js'
import type { SimKind } from './devices.js'

/**
 * The coordinator simulator by hand:
 *   socat -d -d pty,raw,echo=0,link=/tmp/zb-hub pty,raw,echo=0,link=/tmp/zb-sim &
 *   node dist/tools/znp-sim/main.js --pty /tmp/zb-sim        (hub: zigbee.port=/tmp/zb-hub)
 *   node dist/tools/znp-sim/main.js --tcp 6638               (hub: zigbee.port=tcp://127.0.0.1:6638)
 * Then type commands on stdin: `join temperature`, `join plug force`, `temp <ieee> 21.5`,
 * `humidity <ieee> 40`, `contact <ieee> open|closed`, `motion <ieee> on|off`, `leave <ieee>`,
 * `fault bad-fcs|garbage|truncated|no-response|unplug`, `clear`, `devices`, `status`.
 */
const args = process.argv.slice(2)
const flag = (f: string) => {
  const i = args.indexOf(f)
  return i >= 0 ? args[i + 1] : undefined
}
const sim = new ZnpSimulator()
const pty = flag('--pty')
const tcp = flag('--tcp')
if (!pty && tcp === undefined) {
  process.stderr.write('usage: znp-sim --pty PATH | --tcp PORT\n')
  process.exit(64)
}
const served: { close(): Promise<void>; port?: number } = pty ? await servePty(sim, pty) : await serveTcp(sim, Number(tcp))
process.stdout.write(`znp-sim ${sim.ieee} on ${pty ?? `tcp://127.0.0.1:${served.port}`}\n`)

const find = (ieee: string | undefined) => [...sim.devices.values()].find((d) => d.ieee === ieee)
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, a, b] = line.trim().split(/\s+/)
  const dev = find(a)
  const say = (s: unknown) => process.stdout.write(`${typeof s === 'string' ? s : JSON.stringify(s)}\n`)
  switch (cmd) {
    case 'join': {
      const d = sim.join(a as SimKind, { force: b === 'force' })
      return say(d ? `joined ${d.kind} ${d.ieee} nwk 0x${d.nwk.toString(16)}` : 'join refused (permit join closed?)')
    }
    case 'temp':
      return dev ? sim.report(dev, dev.set(0x0402, 0, Math.round(Number(b) * 100))) : say('no such device')
    case 'humidity':
      return dev ? sim.report(dev, dev.set(0x0405, 0, Math.round(Number(b) * 100))) : say('no such device')
    case 'contact':
    case 'motion':
      return dev ? sim.report(dev, dev.zoneChange(b === 'open' || b === 'on' ? 1 : 0)) : say('no such device')
    case 'leave':
      return dev ? sim.leave(dev) : say('no such device')
    case 'fault':
      return sim.fault(a as Fault)
    case 'clear':
      return sim.clearFaults()
    case 'devices':
      return say([...sim.devices.values()].map((d) => ({ ieee: d.ieee, kind: d.kind, nwk: d.nwk, received: d.received.slice(-5) })))
    case 'status':
      return say({ state: sim.state, formed: sim.formed, channel: sim.channel(), permitJoin: sim.permitJoinOpen(), ...sim.counters })
    default:
      return say('commands: join KIND [force] | temp IEEE C | humidity IEEE % | contact IEEE open|closed | motion IEEE on|off | leave IEEE | fault F | clear | devices | status')
  }
})
process.on('SIGINT', () => void served.close().then(() => process.exit(0)))
