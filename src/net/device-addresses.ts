import { isIP } from 'node:net'

/**
 * The LAN addresses MQTT devices connect from, for the firewall's "IP devices reach MQTTS only"
 * rule (issue 6). Loopback is ignored; one address is one entry (a bridge may carry several
 * devices); a removed device's address is forgotten.
 */
export class DeviceAddresses {
  private readonly byId = new Map<string, string>()

  constructor(private readonly onChange: (devices: Array<{ id: string; address: string }>) => void) {}

  seen(id: string, rawAddress: string | undefined): void {
    const address = normalise(rawAddress)
    if (!address || this.byId.get(id) === address) return
    this.byId.set(id, address)
    this.onChange(this.list())
  }

  forget(id: string): void {
    if (this.byId.delete(id)) this.onChange(this.list())
  }

  list(): Array<{ id: string; address: string }> {
    const byAddress = new Map<string, string>()
    for (const [id, address] of [...this.byId].sort(([a], [b]) => (a < b ? -1 : 1))) if (!byAddress.has(address)) byAddress.set(address, id)
    return [...byAddress].map(([address, id]) => ({ id, address }))
  }
}

function normalise(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  const a = raw.replace(/^::ffff:/i, '').split('%')[0]!
  if (!isIP(a) || a.startsWith('127.') || a === '::1') return undefined
  return a.toLowerCase()
}
