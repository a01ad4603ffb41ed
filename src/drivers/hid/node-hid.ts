import { HubError } from '../../core/errors.js'
import type { HidDeviceInfo, HidHandle, HidTransport } from './transport.js'

/**
 * HidTransport over node-hid (hidapi; on Linux its hidraw back end, which reads /dev/hidraw*
 * and needs no kernel driver detach). The native binding is loaded on first use, so a machine
 * where it cannot load (no libudev/libusb, wrong architecture) still runs the hub: `list()`
 * rejects with a coded error and the button driver reports itself offline.
 */
type NodeHid = typeof import('node-hid')

export class NodeHidTransport implements HidTransport {
  private lib: NodeHid | undefined

  private async load(): Promise<NodeHid> {
    if (this.lib) return this.lib
    try {
      const m = (await import('node-hid')) as NodeHid & { default?: NodeHid }
      this.lib = m.default ?? m
      return this.lib
    } catch (err) {
      throw new HubError('HUB_ERR_INTERNAL', 'node-hid cannot be loaded', undefined, { cause: err })
    }
  }

  async list(): Promise<HidDeviceInfo[]> {
    const hid = await this.load()
    try {
      return (await hid.devicesAsync()).map((d) => ({
        vendorId: d.vendorId,
        productId: d.productId,
        ...(d.path !== undefined ? { path: d.path } : {}),
        ...(d.usagePage !== undefined ? { usagePage: d.usagePage } : {}),
        ...(d.usage !== undefined ? { usage: d.usage } : {}),
        interface: d.interface,
        ...(d.product !== undefined ? { product: d.product } : {}),
      }))
    } catch (err) {
      throw new HubError('HUB_ERR_INTERNAL', 'HID devices cannot be listed', undefined, { cause: err })
    }
  }

  async open(path: string): Promise<HidHandle> {
    const hid = await this.load()
    let dev: Awaited<ReturnType<NodeHid['HIDAsync']['open']>>
    try {
      // Non-exclusive: the kernel's keyboard driver may hold the interface too; we only read.
      dev = await hid.HIDAsync.open(path, { nonExclusive: true })
    } catch (err) {
      throw new HubError('HUB_ERR_NOT_FOUND', 'HID device cannot be opened', { path }, { cause: err })
    }
    let closed = false
    const handle: HidHandle = {
      on(event: 'data' | 'error', listener: ((r: Uint8Array) => void) | ((e: Error) => void)) {
        if (event === 'data') dev.on('data', (b: Buffer) => (listener as (r: Uint8Array) => void)(new Uint8Array(b)))
        else dev.on('error', (e: unknown) => (listener as (e: Error) => void)(e instanceof Error ? e : new Error(String(e))))
        return handle
      },
      close() {
        if (closed) return
        closed = true
        dev.close().catch(() => {}) // already gone (unplugged): nothing left to release
      },
    }
    return handle
  }
}
