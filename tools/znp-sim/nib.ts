/**
 * The Network Information Base the simulated stick writes to NV item 0x0021 once a network is
 * up: Z-Stack's `nwkIB_t` (NLMEDE.h), packed (110 bytes, as on CC2652 / Z-Stack 3.x.0).
 * Only the fields a host reads are filled; the rest keep Z-Stack's defaults or zero.
 */
export const NIB_ID = 0x0021
export const NIB_LENGTH = 110

export interface NibFields {
  channel: number
  panId: number
  /** Extended PAN id as stored in NV (little-endian bytes). */
  extPanIdLe: Buffer
  coordIeeeLe: Buffer
}

export function buildNib(f: NibFields): Buffer {
  const b = Buffer.alloc(NIB_LENGTH)
  b[0] = 0x01 // SequenceNum
  b[1] = 0x05 // PassiveAckTimeout
  b[2] = 0x02 // MaxBroadcastRetries
  b[3] = 0x40 // MaxChildren
  b[4] = 0x14 // MaxDepth
  b[5] = 0x10 // MaxRouters
  b[7] = 0x03 // BroadcastDeliveryTime
  b[12] = 0x05 // SecurityLevel
  b[14] = 0x8f // CapabilityFlags
  b.writeUInt16LE(0x0007, 15) // TransactionPersistenceTime
  b[17] = 0x02 // nwkProtocolVersion
  b.writeUInt16LE(0x0000, 20) // nwkDevAddress: the coordinator
  b[22] = f.channel // nwkLogicalChannel
  b.writeUInt16LE(0x0000, 23) // nwkCoordAddress
  f.coordIeeeLe.copy(b, 25) // nwkCoordExtAddress
  b.writeUInt16LE(f.panId, 33) // nwkPanId
  b[35] = 0x06 // nwkState: NWK_ROUTER (coordinator running)
  b.writeUInt32LE((1 << f.channel) >>> 0, 36) // channelList
  b[40] = 0x0f // beaconOrder
  b[41] = 0x0f // superFrameOrder
  f.extPanIdLe.copy(b, 53) // extendedPANID
  b[61] = 0x01 // nwkKeyLoaded
  b[98] = 0x0f // nwkLinkStatusPeriod
  b[99] = 0x03 // nwkRouterAgeLimit
  b[103] = 0x0a // nwkConcentratorRadius
  return b
}
