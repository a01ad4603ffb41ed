/** The hub's own USB HID button: the driver, its transport interface and node-hid implementation. */
export { HidButtonDriver, DEFAULT_PRESS, HID_BACKOFF, type HidButtonEvents, type HidButtonDeps, type HidButtonOffline } from './button.js'
export { BUTTON_LAYOUTS, layoutFor, readReport, type ButtonLayout, type ReportCheck } from './layouts.js'
export { NodeHidTransport } from './node-hid.js'
export { PressDetector, type PressOptions, type PressSink } from './press.js'
export type { HidDeviceInfo, HidHandle, HidTransport } from './transport.js'
