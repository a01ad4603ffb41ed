import { EventEmitter } from 'node:events'
import type { HidDeviceInfo, HidHandle, HidTransport } from '../../../src/drivers/hid/transport.js'

/** A fake HID bus at our own interface: plug and unplug devices, send reports. */
export class FakeHidTransport implements HidTransport {
  devices: HidDeviceInfo[] = []
  /** Paths opened, in order. */
  opened: string[] = []
  listCalls = 0
  failList: Error | undefined
  failOpen: Error | undefined
  private handles = new Map<string, FakeHandle>()

  async list(): Promise<HidDeviceInfo[]> {
    this.listCalls++
    if (this.failList) throw this.failList
    return this.devices.map((d) => ({ ...d }))
  }

  async open(path: string): Promise<HidHandle> {
    if (this.failOpen) throw this.failOpen
    if (!this.devices.some((d) => d.path === path)) throw new Error('no such device')
    this.opened.push(path)
    const h = new FakeHandle()
    this.handles.set(path, h)
    return h
  }

  plug(d: HidDeviceInfo): void {
    this.devices.push(d)
  }

  /** Removes the device; an open handle errors like node-hid's reader does. */
  unplug(path: string): void {
    this.devices = this.devices.filter((d) => d.path !== path)
    const h = this.handles.get(path)
    this.handles.delete(path)
    if (h && !h.closed) h.emit('error', new Error('could not read from HID device'))
  }

  send(path: string, report: number[]): void {
    const h = this.handles.get(path)
    if (!h || h.closed) throw new Error(`${path} is not open`)
    h.emit('data', Uint8Array.from(report))
  }

  isOpen(path: string): boolean {
    const h = this.handles.get(path)
    return !!h && !h.closed
  }
}

class FakeHandle extends EventEmitter implements HidHandle {
  closed = false
  close(): void {
    this.closed = true
  }
}
