import { HubError } from '../../core/errors.js'
import type { Logger } from '../../core/log.js'
import {
  ClusterId, encodeConfigureReporting, encodeReadAttributes, encodeWriteAttributes, modelFor, toState, ZclType,
  type EndpointDescriptor, type StateValue, type ZigbeeModel,
} from '../zcl/index.js'
import type { ZigbeeCoordinator } from './coordinator.js'
import { zclRequest, type Sequence } from './zcl-io.js'

export interface InterviewResult {
  model: ZigbeeModel
  /** In-clusters of the model's endpoint. */
  inClusters: number[]
  manufacturer?: string
  modelId?: string
  iasZoneType?: number
  /** Initial state read from the device (unvalidated here; the bridge validates before publishing). */
  state: Record<string, StateValue>
}

/**
 * Interviews a device that just joined: active endpoints, simple descriptors, genBasic
 * manufacturer and model, the IAS zone type if it is a zone; picks its model (kind, endpoint,
 * clusters); binds and configures reporting for those clusters; writes the IAS CIE address
 * (the zone then asks to enrol; the bridge answers); reads the initial state.
 * @throws HubError HUB_ERR_BAD_REQUEST for a device of no supported kind.
 */
export async function interview(z: ZigbeeCoordinator, dev: { nwk: number; ieee: string }, seq: Sequence, log: Logger): Promise<InterviewResult> {
  const { nwk, ieee } = dev
  const eps = await z.activeEndpoints(nwk)
  const descs: EndpointDescriptor[] = []
  for (const ep of eps.slice(0, 8)) {
    const d = await z.simpleDescriptor(nwk, ep)
    if (d.profile === 0x0104) descs.push({ endpoint: d.endpoint, inClusters: d.inClusters })
  }
  const info: Record<string, StateValue> = {}
  const read = async (endpoint: number, clusterId: number, ids: number[]) => {
    const s = seq.next()
    const f = await zclRequest(z, nwk, endpoint, encodeReadAttributes(clusterId, ids, s), s)
    return toState(clusterId, f)
  }
  const basicEp = descs.find((d) => d.inClusters.includes(ClusterId.genBasic))
  if (basicEp) Object.assign(info, (await read(basicEp.endpoint, ClusterId.genBasic, [0x0004, 0x0005])).info)
  const zoneEp = descs.find((d) => d.inClusters.includes(ClusterId.ssIasZone))
  let iasZoneType: number | undefined
  if (zoneEp) {
    const r = await read(zoneEp.endpoint, ClusterId.ssIasZone, [0x0001])
    if (typeof r.info.zoneType === 'number') iasZoneType = r.info.zoneType
  }
  const m = modelFor(descs, iasZoneType === undefined ? {} : { iasZoneType })
  if (!m.ok) throw new HubError('HUB_ERR_BAD_REQUEST', `unsupported Zigbee device (${m.reason})`, { ieee })
  const model = m.model
  const coordinator = await z.coordinatorIeee()
  for (const c of model.bind) await z.bind(nwk, ieee, model.endpoint, c, coordinator)
  for (const r of model.reporting) {
    const s = seq.next()
    await zclRequest(z, nwk, model.endpoint, encodeConfigureReporting(r.clusterId, r.entries, s), s).catch((err) =>
      // Some devices refuse a reporting configuration; they still report on their own defaults.
      log.warn({ ieee, cluster: r.clusterId, err: (err as Error).message }, 'configure reporting failed'),
    )
  }
  if (model.iasEnroll) {
    const s = seq.next()
    await zclRequest(z, nwk, model.endpoint, encodeWriteAttributes(ClusterId.ssIasZone, [{ id: 0x0010, type: ZclType.ieee, value: '0x' + coordinator }], s), s)
  }
  const state: Record<string, StateValue> = {}
  for (const r of model.read) {
    try {
      Object.assign(state, (await read(model.endpoint, r.clusterId, r.ids)).state)
    } catch (err) {
      log.debug({ ieee, cluster: r.clusterId, err: (err as Error).message }, 'initial read failed')
    }
  }
  return {
    model,
    inClusters: [...(descs.find((d) => d.endpoint === model.endpoint)?.inClusters ?? [])],
    ...(typeof info.manufacturer === 'string' ? { manufacturer: info.manufacturer } : {}),
    ...(typeof info.model === 'string' ? { modelId: info.model } : {}),
    ...(iasZoneType !== undefined ? { iasZoneType } : {}),
    state,
  }
}
