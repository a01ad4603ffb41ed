/**
 * The HID transport the button driver talks to: list devices, open one by path. The node-hid
 * implementation lives in node-hid.ts; tests use a fake at this interface (STYLE.md: fake at our
 * own interfaces, never by mocking modules).
 */

/** One HID interface as the OS lists it (the fields node-hid returns that the driver uses). */
export interface HidDeviceInfo {
  vendorId: number
  productId: number
  /** OS path to open it (hidraw node on Linux); devices without a path cannot be opened. */
  path?: string
  usagePage?: number
  usage?: number
  interface?: number
  product?: string
}

/** An open HID interface: input reports as `data`, failure (unplug) as `error`. */
export interface HidHandle {
  on(event: 'data', listener: (report: Uint8Array) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  close(): void
}

export interface HidTransport {
  /** Every HID interface present now; rejects if the HID library cannot be used at all. */
  list(): Promise<HidDeviceInfo[]>
  open(path: string): Promise<HidHandle>
}
