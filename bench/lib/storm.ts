import type { MqttClient } from 'mqtt'
import type { Cred } from './brokers.js'
import { cpuUse, sampleCpu } from './cpu.js'
import { closeAll, connectWithRetry, Semaphore } from './mqtt-client.js'
import { sleep } from './proc.js'

export interface StormResult {
  ms: number
  connected: number
  attempts: number
  /** CONNACK 3 "server unavailable", each followed by a retry. */
  refused: number
  failed: number
  lastError?: string
  /** CPU during the storm, % of one core: the broker, this process, the rest of the machine. */
  cpu: { broker: number; own: number; others: number }
}

/**
 * Connect storm: every login starts connecting at once; at most `concurrency` handshakes are in
 * progress (a listen backlog's worth), refused clients back off and retry. Each client comes
 * from its own loopback address (127.1.x.y), as each device on a home LAN has its own address:
 * the hub's per-address cap then does not serialise the lot, only its global cap can.
 * `whileConnected` runs with every client still connected (to read the broker's RSS).
 */
export async function connectStorm(
  port: number,
  brokerPid: number,
  creds: Cred[],
  o: { concurrency: number; deadlineMs: number },
  whileConnected: (clients: MqttClient[]) => Promise<void> = async () => {},
): Promise<StormResult> {
  const gate = new Semaphore(o.concurrency)
  const cpu0 = sampleCpu(brokerPid)
  const t0 = performance.now()
  const deadline = t0 + o.deadlineMs
  const outs = await Promise.all(
    creds.map((c, i) => connectWithRetry(port, c, { gate, deadline, localAddress: `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}` })),
  )
  const ms = performance.now() - t0
  const cpu = cpuUse(cpu0, sampleCpu(brokerPid), ms / 1000)
  const clients = outs.flatMap((x) => (x.client ? [x.client] : []))
  for (const c of clients) c.on('error', () => {})
  try {
    await whileConnected(clients)
  } finally {
    closeAll(clients)
    await sleep(500)
  }
  const sum = (f: (x: (typeof outs)[number]) => number) => outs.reduce((n, x) => n + f(x), 0)
  return {
    ms,
    connected: clients.length,
    attempts: sum((x) => x.attempts),
    refused: sum((x) => x.refused),
    failed: sum((x) => x.failed),
    lastError: outs.find((x) => x.lastError)?.lastError,
    cpu,
  }
}
