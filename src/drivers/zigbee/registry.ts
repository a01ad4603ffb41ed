import type { DeviceKind } from '../../policy/device-kinds.js'
import type { DocSpec } from '../../store/document.js'
import type { Sealed } from '../../store/sealer.js'
import { commitDoc, type Doc, type Store } from '../../store/store.js'

/** What the hub remembers about one joined Zigbee device (its account lives in accounts.json). */
export interface ZigbeeDeviceRecord {
  id: string
  ieee: string
  /** Last known short address (it changes when the device rejoins through another parent). */
  nwk: number
  endpoint: number
  /** The in-clusters of that endpoint (from the simple descriptor): what the model is built from. */
  inClusters: number[]
  kind: DeviceKind
  manufacturer?: string
  model?: string
  iasZoneType?: number
}

export interface ZigbeeDoc {
  devices: ZigbeeDeviceRecord[]
  /** Registered install codes (sealed: a code and the IEEE address give the device's link key). */
  installCodes: Array<{ ieee: string; code: Sealed }>
}

export const ZIGBEE_DOC: DocSpec<ZigbeeDoc> = {
  name: 'zigbee.json',
  schema: 1,
  check: (d): d is ZigbeeDoc => typeof d === 'object' && d !== null && Array.isArray((d as ZigbeeDoc).devices) && Array.isArray((d as ZigbeeDoc).installCodes),
}

/** The Zigbee device table: durable, looked up by IEEE address, short address or hub id. */
export class ZigbeeRegistry {
  private constructor(private readonly doc: Doc<ZigbeeDoc>) {}

  static async open(store: Store): Promise<ZigbeeRegistry> {
    return new ZigbeeRegistry(await store.document(ZIGBEE_DOC, () => ({ devices: [], installCodes: [] })))
  }

  all(): readonly ZigbeeDeviceRecord[] {
    return this.doc.data.devices
  }

  byIeee(ieee: string): ZigbeeDeviceRecord | undefined {
    return this.doc.data.devices.find((d) => d.ieee === ieee)
  }

  byNwk(nwk: number): ZigbeeDeviceRecord | undefined {
    return this.doc.data.devices.find((d) => d.nwk === nwk)
  }

  byId(id: string): ZigbeeDeviceRecord | undefined {
    return this.doc.data.devices.find((d) => d.id === id)
  }

  async put(rec: ZigbeeDeviceRecord): Promise<void> {
    await this.commit({ ...this.doc.data, devices: [...this.doc.data.devices.filter((d) => d.ieee !== rec.ieee), rec] })
  }

  async setNwk(ieee: string, nwk: number): Promise<void> {
    const rec = this.byIeee(ieee)
    if (rec && rec.nwk !== nwk) await this.put({ ...rec, nwk })
  }

  async forget(id: string): Promise<void> {
    await this.commit({ ...this.doc.data, devices: this.doc.data.devices.filter((d) => d.id !== id) })
  }

  installCodes(): ZigbeeDoc['installCodes'] {
    return this.doc.data.installCodes
  }

  async putInstallCode(ieee: string, code: Sealed): Promise<void> {
    await this.commit({ ...this.doc.data, installCodes: [...this.doc.data.installCodes.filter((c) => c.ieee !== ieee), { ieee, code }] })
  }

  /** Written durably first; memory follows only once the write succeeded. */
  private async commit(next: ZigbeeDoc): Promise<void> {
    await commitDoc(this.doc, next)
  }
}
