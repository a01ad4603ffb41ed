/**
 * The simulated stick's NV memory: items by id, each with a fixed length once created, as
 * Z-Stack's OSAL NV behaves (an item must be initialised before it is written; writes past its
 * length fail). Statuses as Z-Stack returns them.
 */
export const NV_STATUS = { SUCCESS: 0x00, ITEM_UNINIT: 0x09, OPER_FAILED: 0x0a, BAD_ITEM_LEN: 0x0c } as const

export class NvMemory {
  private readonly items = new Map<number, Buffer>()

  length(id: number): number {
    return this.items.get(id)?.length ?? 0
  }

  get(id: number): Buffer | undefined {
    const v = this.items.get(id)
    return v && Buffer.from(v)
  }

  /** Creates an item: ITEM_UNINIT (0x09) when new, SUCCESS when it already existed. */
  init(id: number, len: number, initial: Buffer): number {
    if (this.items.has(id)) return NV_STATUS.SUCCESS
    const v = Buffer.alloc(len)
    initial.copy(v, 0, 0, Math.min(len, initial.length))
    this.items.set(id, v)
    return NV_STATUS.ITEM_UNINIT
  }

  read(id: number, offset: number, max = 248): { status: number; value: Buffer } {
    const v = this.items.get(id)
    if (!v || offset > v.length) return { status: NV_STATUS.OPER_FAILED, value: Buffer.alloc(0) }
    return { status: NV_STATUS.SUCCESS, value: Buffer.from(v.subarray(offset, Math.min(v.length, offset + max))) }
  }

  write(id: number, offset: number, value: Buffer): number {
    const v = this.items.get(id)
    if (!v) return NV_STATUS.ITEM_UNINIT
    if (offset + value.length > v.length) return NV_STATUS.BAD_ITEM_LEN
    value.copy(v, offset)
    return NV_STATUS.SUCCESS
  }

  /** Sets an item whole (the stick's own writes, e.g. the NIB after formation). */
  set(id: number, value: Buffer): void {
    this.items.set(id, Buffer.from(value))
  }

  delete(id: number): number {
    return this.items.delete(id) ? NV_STATUS.SUCCESS : NV_STATUS.ITEM_UNINIT
  }

  /** STARTUP_OPTION 0x03 + reset: every item but the startup option is gone. */
  clear(keep: number[]): void {
    for (const id of [...this.items.keys()]) if (!keep.includes(id)) this.items.delete(id)
  }

  ids(): number[] {
    return [...this.items.keys()]
  }
}
