/**
 * The one interface every transport driver implements (Zigbee coordinator over ZNP, USB HID),
 * so nothing above `src/drivers/` knows about serial ports, sockets or HID handles.
 *
 * A driver owns one physical link. It opens, closes, emits typed events, and answers requests
 * with a timeout. Bad input from the link (a frame with a wrong checksum, a report of the wrong
 * length) is dropped and counted in `stats()`, never thrown at the caller.
 */
export type DriverEvents = {
  /** The link is up (after open, or after a reopen that followed an unplug). */
  online: []
  /** The link went away (unplugged, closed by the OS); the driver reopens it with backoff. */
  offline: [reason: string]
}

export type EventMap = Record<string, unknown[]>

export interface Driver<E extends EventMap = DriverEvents, Req = unknown, Res = unknown> {
  /** Stable name for logs and status, e.g. `zigbee` or `hid-button`. */
  readonly name: string
  open(): Promise<void>
  close(): Promise<void>
  readonly online: boolean
  /** One request/response exchange; rejects with a coded HubError on timeout. */
  request(req: Req, timeoutMs?: number): Promise<Res>
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this
  /** Counters for status and tests: frames received, dropped (by reason), reopens. */
  stats(): Record<string, number>
}
