import path from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { adminCall } from '../../src/admin/client.js'
import { resolveConfig } from '../../src/core/config.js'
import { startHub, type HubOptions, type RunningHub } from '../../src/hub.js'
import { tmpDir } from './hub-process.js'
import { recentLogger } from './recent-log.js'

export interface TestHub {
  hub: RunningHub
  dataDir: string
  ca: string
  port: number
  /** An admin-socket call, exactly as the CLI makes it. */
  admin(method: string, params?: Record<string, unknown>): Promise<any>
  addDevice(name: string, kind?: string): Promise<{ id: string; token: string }>
  addAccount(name: string, role?: 'integration' | 'custom', grants?: Record<string, string[]>): Promise<{ username: string; token: string }>
  /** Connects a real MQTT client over TLS (verifying the hub's CA); rejects with the CONNACK error. */
  connect(opts: IClientOptions, onMessage?: (topic: string, payload: Buffer) => void): Promise<MqttClient>
  stop(): Promise<void>
  /** The hub's last log lines (info and above), for a failing test's diagnostics. */
  recentLog(): string[]
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/** A hub in this process on ephemeral ports with its own data dir; stopped at teardown. */
export async function startTestHub(t: Teardown, flags: Record<string, string> = {}, dataDir = path.join(tmpDir(), 'data'), opts: HubOptions = {}): Promise<TestHub> {
  const config = resolveConfig({ env: {}, flags: { '--data-dir': dataDir, '--mqtt-port': '0', '--http-port': '0', ...flags }, baseDir: '/' })
  const recent = recentLogger()
  const hub = await startHub(config, recent.log, opts)
  const clients: MqttClient[] = []
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    for (const c of clients) c.end(true)
    await hub.stop()
  }
  t.teardown(stop)
  const sock = path.join(dataDir, 'hearth.sock')
  const port = hub.status().listeners.mqtts.port
  const ca = hub.identity.tls.ca
  return {
    hub,
    recentLog: recent.lines,
    dataDir,
    ca,
    port,
    admin: (method, params = {}) => adminCall(sock, method, params),
    addDevice: (name, kind = 'temperature') => adminCall(sock, 'device.add', { name, kind }) as Promise<{ id: string; token: string }>,
    addAccount: (name, role = 'integration', grants = {}) =>
      adminCall(sock, 'account.add', { name, role, ...grants }) as Promise<{ username: string; token: string }>,
    connect(opts, onMessage) {
      return new Promise((resolve, reject) => {
        const c = mqtt.connect(`mqtts://localhost:${port}`, { ca, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts })
        clients.push(c)
        // Attached before CONNACK: a persistent session's queued messages arrive right after it.
        if (onMessage) c.on('message', onMessage)
        c.once('connect', () => resolve(c))
        c.once('error', (err) => (c.end(true), reject(err)))
        c.once('close', () => reject(new Error('closed before CONNACK')))
      })
    },
    stop,
  }
}

/** Resolves with the next message on `topic` (or rejects after `ms`). */
export function nextMessage(c: MqttClient, topic: string | RegExp, ms = 3000): Promise<{ topic: string; payload: string; retain: boolean; qos: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (c.off('message', on), reject(new Error(`no message on ${topic} within ${ms} ms`))), ms)
    const on = (tp: string, payload: Buffer, packet: { retain: boolean; qos: number }) => {
      if (typeof topic === 'string' ? tp !== topic : !topic.test(tp)) return
      clearTimeout(timer)
      c.off('message', on)
      resolve({ topic: tp, payload: payload.toString(), retain: packet.retain, qos: packet.qos })
    }
    c.on('message', on)
  })
}

/** Collects messages on a client for `ms` milliseconds. */
export async function collect(c: MqttClient, ms: number): Promise<Array<{ topic: string; payload: string; qos: number }>> {
  const got: Array<{ topic: string; payload: string; qos: number }> = []
  const on = (topic: string, payload: Buffer, packet: { qos: number }) => got.push({ topic, payload: payload.toString(), qos: packet.qos })
  c.on('message', on)
  await new Promise((r) => setTimeout(r, ms))
  c.off('message', on)
  return got
}

/** Subscribes and returns the SUBACK return codes per filter (128 = refused), read off the wire. */
export function subscribe(c: MqttClient, filters: Record<string, 0 | 1 | 2>): Promise<number[]> {
  const map = Object.fromEntries(Object.entries(filters).map(([f, qos]) => [f, { qos }]))
  return new Promise((resolve) => {
    const on = (packet: { cmd: string }) => {
      if (packet.cmd !== 'suback') return
      c.off('packetreceive', on)
      resolve(((packet as { granted?: number[] }).granted ?? []) as number[])
    }
    c.on('packetreceive', on)
    c.subscribe(map, () => {})
  })
}

/** Resolves when the client's connection closes (or rejects after `ms`). */
export function closed(c: MqttClient, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!c.connected) return resolve()
    const timer = setTimeout(() => reject(new Error('still connected')), ms)
    c.once('close', () => (clearTimeout(timer), resolve()))
  })
}

/**
 * Sends one raw CONNECT (for cases MQTT.js refuses to send, such as an empty client id with
 * CleanSession=0) and resolves with the CONNACK return code.
 */
export async function rawConnect(port: number, ca: string, fields: Record<string, unknown>): Promise<number> {
  const { connect } = await import('node:tls')
  const mqttPacket = (await import('mqtt-packet')).default
  return new Promise((resolve, reject) => {
    const sock = connect({ host: 'localhost', port, ca }, () => {
      const { clean, ...rest } = fields
      const buf = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, keepalive: 30, clientId: '', ...rest, clean: true } as never)
      if (clean === false) {
        // mqtt-packet refuses to encode this: clear the CleanSession bit (0x02) by hand.
        let i = 1
        while (buf[i]! & 0x80) i++
        buf[i + 1 + 6 + 1] = buf[i + 1 + 6 + 1]! & ~0x02
      }
      sock.write(buf)
    })
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    parser.on('packet', (p: { cmd: string; returnCode?: number }) => {
      if (p.cmd === 'connack') (sock.destroy(), resolve(p.returnCode ?? -1))
    })
    sock.on('data', (d) => parser.parse(d))
    sock.on('error', reject)
    setTimeout(() => (sock.destroy(), reject(new Error('no CONNACK'))), 5000)
  })
}
