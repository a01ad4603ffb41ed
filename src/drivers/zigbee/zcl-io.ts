import { decodeZcl, type ZclFrame, type ZclOut } from '../zcl/index.js'
import type { ZigbeeCoordinator } from './coordinator.js'

/**
 * A ZCL request/response over the coordinator: the reply is matched by source address, cluster
 * and ZCL sequence number (the waiter is set before the frame is sent, so a fast device is not
 * missed). Undecodable replies are ignored here; the bridge counts them.
 */
export async function zclRequest(z: ZigbeeCoordinator, nwk: number, endpoint: number, out: ZclOut, seq: number, timeoutMs = 10_000): Promise<ZclFrame> {
  let frame: ZclFrame | undefined
  const reply = z.waitMessage((m) => {
    if (m.src !== nwk || m.cluster !== out.clusterId) return false
    const d = decodeZcl(m.cluster, m.data)
    if (!d.ok || d.frame.header.seq !== seq || !d.frame.header.serverToClient) return false
    frame = d.frame
    return true
  }, timeoutMs)
  try {
    await z.sendZcl(nwk, endpoint, out.clusterId, out.data)
  } catch (err) {
    reply.catch(() => {})
    throw err
  }
  await reply
  return frame!
}

/** ZCL transaction sequence numbers for frames the hub originates (ZCL 2.4.1.3). */
export class Sequence {
  private n = 0
  next(): number {
    return (this.n = (this.n + 1) & 0xff)
  }
}
