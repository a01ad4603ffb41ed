import t from 'tap'
import type { MqttClient } from 'mqtt'
import { closed, nextMessage, startTestHub, subscribe, type TestHub } from '../helpers/test-hub.js'

/**
 * Admission and back-pressure on the real broker (real TLS sockets on 127.0.0.1, real mqtt
 * clients): a CONNECT flood is refused with CONNACK 3 "server unavailable" [MQTT-3.2.2-3]
 * while connected clients keep being served, and a publisher over its budget is slowed down,
 * never dropped.
 */

type Refusals = { 'address-rate': number; 'global-rate': number; 'max-clients': number }
const refusals = async (hub: TestHub): Promise<Refusals> => {
  const s = (await hub.admin('status')) as { broker: { connectRefused: Refusals } }
  const r = s.broker.connectRefused
  return { 'address-rate': r['address-rate'], 'global-rate': r['global-rate'], 'max-clients': r['max-clients'] }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A device publishing its state at `hz` to an integration subscribed to it; records arrivals. */
async function heartbeat(hub: TestHub, hz: number) {
  const dev = await hub.addDevice('Heartbeat')
  const ha = await hub.addAccount('watcher')
  const sub = await hub.connect({ clientId: ha.username, username: ha.username, password: ha.token })
  const granted = await subscribe(sub, { [`hearth/${dev.id}/state`]: 0 })
  if (granted[0] !== 0) throw new Error(`heartbeat subscription refused: ${JSON.stringify(granted)}`)
  const pub = await hub.connect({ clientId: dev.id, username: dev.id, password: dev.token })
  const sentAt = new Map<number, number>()
  const arrivals: Array<{ seq: number; at: number }> = []
  sub.on('message', (topic, payload) => {
    if (topic !== `hearth/${dev.id}/state`) return
    // temperature carries seq % 100, humidity seq / 100: the state schema allows no extra field.
    const s = JSON.parse(payload.toString()) as { temperature: number; humidity: number }
    arrivals.push({ seq: s.humidity * 100 + s.temperature, at: performance.now() })
  })
  let seq = 0
  let timer: NodeJS.Timeout | undefined
  const lost = { pub: false, sub: false }
  pub.on('close', () => (lost.pub = true))
  sub.on('close', () => (lost.sub = true))
  return {
    start() {
      timer = setInterval(() => {
        const n = seq++
        sentAt.set(n, performance.now())
        pub.publish(`hearth/${dev.id}/state`, JSON.stringify({ temperature: n % 100, humidity: Math.floor(n / 100), battery: 90 }), { qos: 0 })
      }, 1000 / hz)
    },
    /** Stops publishing, waits for stragglers, and reports what arrived. */
    async stop() {
      clearInterval(timer)
      const deadline = performance.now() + 5000
      while (arrivals.length < seq && performance.now() < deadline) await sleep(20)
      const seqs = arrivals.map((a) => a.seq)
      let maxGap = 0
      for (let i = 1; i < arrivals.length; i++) maxGap = Math.max(maxGap, arrivals[i]!.at - arrivals[i - 1]!.at)
      const maxLatency = Math.max(0, ...arrivals.map((a) => a.at - sentAt.get(a.seq)!))
      return { sent: seq, seqs, maxGap, maxLatency, lost }
    },
  }
}

/** One CONNECT attempt; resolves with the CONNACK return code (0 = accepted). */
async function attempt(hub: TestHub, opts: { clientId: string; username: string; password: string; localAddress?: string }): Promise<number | string> {
  try {
    // A generous CONNACK timeout: on a loaded machine a refusal may take seconds, and is still one.
    const c = await hub.connect({ ...opts, connectTimeout: 20_000 })
    c.end(true)
    return 0
  } catch (err) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'number' ? code : String((err as Error).message)
  }
}

/** Fires `n` CONNECT attempts with at most `parallel` in flight; tallies the outcomes. */
async function flood(n: number, parallel: number, one: (i: number) => Promise<number | string>) {
  const outcomes = new Map<number | string, number>()
  let next = 0
  const worker = async () => {
    while (next < n) {
      const r = await one(next++)
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1)
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: parallel }, worker))
  return { outcomes, ms: performance.now() - t0 }
}

t.test('CONNECT flood from one address: CONNACK 3 and address-rate refusals; a connected pair is served throughout', async (t) => {
  const hub = await startTestHub(t)
  const beat = await heartbeat(hub, 20)
  const flooder = await hub.addAccount('flooder')
  const before = await refusals(hub)
  beat.start()
  await sleep(300)
  const N = 300
  const { outcomes, ms } = await flood(N, 25, (i) => attempt(hub, { clientId: `${flooder.username}-${i}`, username: flooder.username, password: flooder.token }))
  await sleep(300)
  const got = await beat.stop()
  const after = await refusals(hub)
  const admitted = outcomes.get(0) ?? 0
  const unavailable = outcomes.get(3) ?? 0
  t.comment(`flood: ${N} attempts in ${ms.toFixed(0)} ms: ${admitted} admitted, ${unavailable} CONNACK 3; outcomes ${JSON.stringify([...outcomes])}`)
  t.comment(`counters: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
  t.comment(`heartbeat: ${got.seqs.length}/${got.sent} messages, max gap ${got.maxGap.toFixed(0)} ms, max latency ${got.maxLatency.toFixed(0)} ms`)

  t.equal(admitted + unavailable, N, 'every attempt was answered: accepted or CONNACK 3 "server unavailable"')
  t.ok(unavailable >= N / 3, `the cap engaged: ${unavailable} of ${N} refused`)
  // Burst 20 per address, 5/s refill; the heartbeat pair took 2 of the burst.
  t.ok(admitted >= 15 && admitted <= 20 + Math.ceil((ms / 1000) * 5) + 1, `admitted ${admitted} ≈ the per-address burst plus refill`)
  const delta = after['address-rate'] - before['address-rate'] + after['global-rate'] - before['global-rate'] + after['max-clients'] - before['max-clients']
  t.equal(delta, unavailable, 'each CONNACK 3 is counted once in status.broker.connectRefused')
  t.equal(after['address-rate'] - before['address-rate'], unavailable, 'all of them as address-rate (one address; the global bucket is untouched)')

  t.same(got.lost, { pub: false, sub: false }, 'the established pair was not disconnected')
  t.ok(got.sent >= 20, `${got.sent} messages sent during the flood`)
  t.same(got.seqs, [...Array(got.sent).keys()], 'every heartbeat message arrived, in order')
  t.ok(got.maxGap < 1500, `max gap between arrivals ${got.maxGap.toFixed(0)} ms < 1500 ms`)
})

t.test('CONNECT flood from many addresses: the global cap engages (global-rate), per-address buckets do not', async (t) => {
  // Each loopback address 127.0.0.2..61 stays inside its own burst of 20; the total (burst 20,
  // 1/s) does not, however slowly a loaded machine runs the flood.
  const hub = await startTestHub(t, { '--mqtt-connect-rate-total': '1', '--mqtt-connect-burst-total': '20' })
  const beat = await heartbeat(hub, 20)
  const flooder = await hub.addAccount('flooder')
  const before = await refusals(hub)
  beat.start()
  await sleep(300)
  const N = 300
  const { outcomes, ms } = await flood(N, 25, (i) =>
    attempt(hub, { clientId: `${flooder.username}-${i}`, username: flooder.username, password: flooder.token, localAddress: `127.0.0.${2 + (i % 60)}` }),
  )
  await sleep(300)
  const got = await beat.stop()
  const after = await refusals(hub)
  const admitted = outcomes.get(0) ?? 0
  const unavailable = outcomes.get(3) ?? 0
  t.comment(`flood: ${N} attempts from 60 addresses in ${ms.toFixed(0)} ms: ${admitted} admitted, ${unavailable} CONNACK 3; outcomes ${JSON.stringify([...outcomes])}`)
  t.comment(`counters: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
  t.comment(`heartbeat: ${got.seqs.length}/${got.sent} messages, max gap ${got.maxGap.toFixed(0)} ms, max latency ${got.maxLatency.toFixed(0)} ms`)

  t.equal(admitted + unavailable, N, 'every attempt was answered: accepted or CONNACK 3')
  t.ok(unavailable >= N / 2, `the global cap engaged: ${unavailable} of ${N} refused`)
  t.ok(admitted >= 15 && admitted <= 20 + Math.ceil(ms / 1000) + 1, `admitted ${admitted} ≈ the global burst plus refill`)
  t.equal(after['global-rate'] - before['global-rate'], unavailable, 'every refusal counted as global-rate')
  t.equal(after['address-rate'] - before['address-rate'], 0, 'no address went over its own budget')

  t.same(got.lost, { pub: false, sub: false }, 'the established pair was not disconnected')
  t.ok(got.sent >= 20, `${got.sent} messages sent during the flood`)
  t.same(got.seqs, [...Array(got.sent).keys()], 'every heartbeat message arrived, in order')
  t.ok(got.maxGap < 1500, `max gap between arrivals ${got.maxGap.toFixed(0)} ms < 1500 ms`)
})

t.test('a publisher over its budget is slowed down (back-pressure), not dropped or disconnected', async (t) => {
  const RATE = 50
  const BURST = 10
  const N = 110
  const hub = await startTestHub(t, { '--mqtt-publish-rate': String(RATE), '--mqtt-publish-burst': String(BURST) })
  const dev = await hub.addDevice('Chatty')
  const ha = await hub.addAccount('ha')
  const sub = await hub.connect({ clientId: ha.username, username: ha.username, password: ha.token })
  t.same(await subscribe(sub, { [`hearth/${dev.id}/state`]: 1 }), [1])
  const pub: MqttClient = await hub.connect({ clientId: dev.id, username: dev.id, password: dev.token })
  let pubClosed = false
  pub.on('close', () => (pubClosed = true))
  const throttledBefore = ((await hub.admin('status')) as { broker: { throttled: number } }).broker.throttled

  const seqs: number[] = []
  const all = new Promise<number>((resolve) =>
    sub.on('message', (_topic, payload) => {
      const s = JSON.parse(payload.toString()) as { temperature: number; humidity: number }
      seqs.push(s.humidity * 100 + s.temperature)
      if (seqs.length === N) resolve(performance.now())
    }),
  )
  const acked: Promise<void>[] = []
  const t0 = performance.now()
  for (let n = 0; n < N; n++)
    acked.push(pub.publishAsync(`hearth/${dev.id}/state`, JSON.stringify({ temperature: n % 100, humidity: Math.floor(n / 100), battery: 50 }), { qos: 1 }).then(() => {}))
  let giveUp: NodeJS.Timeout | undefined
  const lastArrival = await Promise.race([all, new Promise<number>((r) => (giveUp = setTimeout(() => r(NaN), 15_000)))])
  clearTimeout(giveUp)
  await Promise.all(acked)
  const elapsed = lastArrival - t0
  const budgetMs = ((N - BURST) / RATE) * 1000
  const throttled = ((await hub.admin('status')) as { broker: { throttled: number } }).broker.throttled - throttledBefore
  t.comment(`${seqs.length}/${N} arrived in ${elapsed.toFixed(0)} ms (budget says ≥ ${budgetMs} ms); throttled ${throttled}`)

  t.same(seqs, [...Array(N).keys()], `all ${N} arrived, in order`)
  t.ok(elapsed >= budgetMs * 0.95, `took ${elapsed.toFixed(0)} ms ≥ (${N}-${BURST})/${RATE} s = ${budgetMs} ms`)
  t.ok(elapsed < budgetMs + 4000, `and not much longer (${elapsed.toFixed(0)} ms)`)
  t.ok(throttled >= N - BURST - 2, `status counts the throttled publishes (${throttled})`)
  t.notOk(pubClosed, 'the publisher was not disconnected')
  await t.rejects(closed(pub, 200), 'still connected afterwards')
  // And it is served again at full speed once it is back under budget.
  await sleep(((BURST + 1) / RATE) * 1000)
  const t1 = performance.now()
  const next = nextMessage(sub, `hearth/${dev.id}/state`, 2000)
  await pub.publishAsync(`hearth/${dev.id}/state`, JSON.stringify({ temperature: 21.5 }), { qos: 1 })
  await next
  t.ok(performance.now() - t1 < 1000, 'a refilled budget serves the next publish at once')
})
