/**
 * The ZCL codec and device models (pure, no I/O). The Zigbee coordinator imports from here:
 * `decodeZcl` → `toState` → `shapeState` for a report; `commandsFor` → `encodeCommand` for a set.
 */
export { ZclType, isKnownType, isAnalogType, type ZclValue, type ZclTypeId, type ZclTypeName, type ZclReason } from './types.js'
export { decodeZcl, GlobalCommand, MAX_ZCL_FRAME, ZclStatus, zclStatusName, type ZclFrame, type ZclHeader, type ZclCommand, type ZclDecodeResult, type AttrRecord, type ReadStatusRecord, type StatusRecord, type ReportingRecord } from './frame.js'
export { CLUSTERS, ClusterId, IasZoneType, attributeSpec, type AttributeSpec, type ClusterSpec, type ClusterName, type Conversion, type ReportingDefault } from './clusters.js'
export { toState, type DeviceContext, type StateResult, type StateValue, type RejectReason } from './state.js'
export {
  encodeZcl, encodeCommand, encodeReadAttributes, encodeReadAttributesResponse, encodeWriteAttributes, encodeWriteAttributesResponse,
  encodeConfigureReporting, encodeConfigureReportingResponse, encodeReport, encodeDefaultResponse, encodeIasEnrollResponse,
  encodeIasEnrollRequest, encodeZoneStatusChange, type ZclOut, type HeaderOptions, type DeviceCommand,
} from './encode.js'
export { modelFor, shapeState, commandsFor, type EndpointDescriptor, type ZigbeeModel, type ModelResult } from './model.js'
