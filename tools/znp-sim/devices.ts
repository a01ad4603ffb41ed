import { randomBytes } from 'node:crypto'
import {
  decodeZcl, encodeConfigureReportingResponse, encodeDefaultResponse, encodeIasEnrollRequest, encodeReadAttributesResponse,
  encodeReport, encodeWriteAttributesResponse, encodeZoneStatusChange, type ReadStatusRecord, type ZclOut, type ZclValue,
} from '../../src/drivers/zcl/index.js'

/** The emulated devices: what a real one of each exposes on endpoint 1. */
export type SimKind = 'temperature' | 'plug' | 'contact' | 'motion'

interface Attr {
  type: number
  value: ZclValue
}

const STR = 0x42
const s = (value: string): Attr => ({ type: STR, value })

function clusters(kind: SimKind): Map<number, Map<number, Attr>> {
  const basic = new Map<number, Attr>([
    [0x0000, { type: 0x20, value: 3 }], // zclVersion
    [0x0004, s('Hearth Sim')],
    [0x0005, s(`SIM-${kind.toUpperCase()}`)],
    [0x0007, { type: 0x30, value: kind === 'plug' ? 1 : 3 }], // powerSource: mains / battery
  ])
  const power = new Map<number, Attr>([[0x0021, { type: 0x20, value: 180 }]]) // 90 %
  const ias = (zoneType: number) =>
    new Map<number, Attr>([
      [0x0000, { type: 0x30, value: 0 }], // zoneState: not enrolled
      [0x0001, { type: 0x31, value: zoneType }],
      [0x0002, { type: 0x19, value: 0 }],
      [0x0010, { type: 0xf0, value: '0x0000000000000000' }],
    ])
  switch (kind) {
    case 'temperature':
      return new Map([
        [0x0000, basic], [0x0001, power],
        [0x0402, new Map([[0x0000, { type: 0x29, value: 2000 }]])],
        [0x0405, new Map([[0x0000, { type: 0x21, value: 4500 }]])],
      ])
    case 'plug':
      return new Map([[0x0000, basic], [0x0006, new Map([[0x0000, { type: 0x10, value: false }]])]])
    case 'contact':
      return new Map([[0x0000, basic], [0x0001, power], [0x0500, ias(0x0015)]])
    case 'motion':
      return new Map([[0x0000, basic], [0x0001, power], [0x0500, ias(0x000d)]])
  }
}

/** One emulated end device (or, for the plug, router) on the simulated network. */
export class SimDevice {
  readonly ieee: string
  nwk: number
  readonly endpoint = 1
  readonly attrs: Map<number, Map<number, Attr>>
  readonly bindings = new Set<number>()
  readonly reporting = new Set<number>()
  /** ZCL commands received (cluster-specific ones by name), in order. */
  readonly received: string[] = []
  reachable = true
  private seq = 0

  constructor(readonly kind: SimKind, opts: { ieee?: string; nwk?: number } = {}) {
    this.ieee = opts.ieee ?? 'a4c138' + randomBytes(5).toString('hex')
    this.nwk = opts.nwk ?? 0x1000 + (randomBytes(2).readUInt16LE(0) % 0xe000)
    this.attrs = clusters(kind)
  }

  get inClusters(): number[] {
    return [...this.attrs.keys(), 0x0003]
  }

  get outClusters(): number[] {
    return [0x0019]
  }

  nextSeq(): number {
    return (this.seq = (this.seq + 1) & 0xff)
  }

  get(cluster: number, attr: number): ZclValue | undefined {
    return this.attrs.get(cluster)?.get(attr)?.value
  }

  /** Sets an attribute and returns the report a bound, reporting device would send. */
  set(cluster: number, attr: number, value: ZclValue): ZclOut {
    const a = this.attrs.get(cluster)?.get(attr)
    if (!a) throw new RangeError(`sim device has no attribute ${cluster}/${attr}`)
    a.value = value
    return encodeReport(cluster, [{ id: attr, type: a.type, value }], this.nextSeq(), { serverToClient: true, disableDefaultResponse: true })
  }

  zoneChange(status: number): ZclOut {
    this.attrs.get(0x0500)?.set(0x0002, { type: 0x19, value: status })
    return encodeZoneStatusChange(this.nextSeq(), { zoneStatus: status, zoneId: 1 }, { serverToClient: true, disableDefaultResponse: true })
  }

  /** Handles a ZCL frame from the host; returns the frames the device answers with. */
  onZcl(cluster: number, data: Buffer): ZclOut[] {
    const d = decodeZcl(cluster, data)
    if (!d.ok) return []
    const { header, command } = d.frame
    const o = { serverToClient: true, disableDefaultResponse: true }
    const table = this.attrs.get(cluster)
    this.received.push(command.name)
    switch (command.name) {
      case 'readAttributes': {
        const records: ReadStatusRecord[] = command.ids.map((id) => {
          const a = table?.get(id)
          return a ? { id, status: 0, type: a.type, value: a.value } : { id, status: 0x86 }
        })
        return [encodeReadAttributesResponse(cluster, records, header.seq, o)]
      }
      case 'configureReporting':
        this.reporting.add(cluster)
        return [encodeConfigureReportingResponse(cluster, [{ status: 0 }], header.seq, o)]
      case 'writeAttributes': {
        for (const r of command.records) if (table?.has(r.id)) table.set(r.id, { type: r.type, value: r.value })
        const out = [encodeWriteAttributesResponse(cluster, [{ status: 0 }], header.seq, o)]
        // IAS: once the CIE address is written, the zone asks to enrol (ZCL 8.2.2.2.3).
        if (cluster === 0x0500 && command.records.some((r) => r.id === 0x0010))
          out.push(encodeIasEnrollRequest(this.nextSeq(), { zoneType: this.get(0x0500, 0x0001) as number, manufacturerCode: 0x1234 }, { serverToClient: true }))
        return out
      }
      case 'zoneEnrollResponse':
        table?.set(0x0000, { type: 0x30, value: command.code === 0 ? 1 : 0 })
        return []
      case 'on':
      case 'off':
      case 'toggle': {
        const now = this.get(0x0006, 0x0000) === true
        const next = command.name === 'toggle' ? !now : command.name === 'on'
        const out: ZclOut[] = []
        if (!header.disableDefaultResponse) out.push(encodeDefaultResponse(cluster, { commandId: header.commandId, status: 0 }, header.seq, o))
        out.push(this.set(0x0006, 0x0000, next))
        return out
      }
      default:
        return header.disableDefaultResponse ? [] : [encodeDefaultResponse(cluster, { commandId: header.commandId, status: 0x81 }, header.seq, o)]
    }
  }
}
