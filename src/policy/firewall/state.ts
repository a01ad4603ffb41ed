import { Type, type Static } from '@sinclair/typebox'
import { HubError } from '../../core/errors.js'
import { compile, errorPath } from '../../core/validate.js'
import { isDeviceId } from '../acl.js'
import { formatIp, minimalPrefixes, parseCidr, parseIp, compareIp, type IpAddress, type IpPrefix } from './ip.js'

/**
 * What the firewall compiler needs to know about the hub, as data. Hostnames are not accepted
 * here: the I/O layer (`src/net/resolve.ts`) resolves uplink and update hosts to addresses first,
 * so compiling stays pure and the ruleset says exactly which addresses it opens (a name in
 * nftables would be resolved once, at load time, by nft itself — silently and out of sight).
 */
// Linux IFNAMSIZ is 16 including the NUL; the character set keeps nft string syntax out.
const IfName = Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,15}$' })
const Port = Type.Integer({ minimum: 1, maximum: 65535 })
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max })
const Endpoint = Type.Object(
  {
    address: Text(45),
    port: Port,
    /** The name it was resolved from, shown in the rule's comment (a hostname, nothing else). */
    host: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$' })),
  },
  { additionalProperties: false },
)

export const FirewallStateSchema = Type.Object(
  {
    lanInterfaces: Type.Array(
      Type.Object({ name: IfName, subnets: Type.Array(Text(49), { maxItems: 32 }) }, { additionalProperties: false }),
      { maxItems: 16 },
    ),
    wanInterfaces: Type.Array(IfName, { maxItems: 16 }),
    listeners: Type.Object(
      { mqtts: Port, https: Port, httpRedirect: Type.Optional(Port), mqttPlainLoopback: Type.Optional(Port) },
      { additionalProperties: false },
    ),
    ipDevices: Type.Array(Type.Object({ id: Text(64), address: Text(45) }, { additionalProperties: false }), { maxItems: 1024 }),
    uplinkHosts: Type.Array(Endpoint, { maxItems: 64 }),
    updateHosts: Type.Array(Endpoint, { maxItems: 64 }),
    dnsServers: Type.Array(Text(45), { maxItems: 8 }),
    ntpServers: Type.Array(Text(45), { maxItems: 8 }),
    lockdown: Type.Boolean(),
  },
  { additionalProperties: false },
)

/** The hub state the compiler takes (addresses, not hostnames). */
export type FirewallState = Static<typeof FirewallStateSchema>
/** An uplink or update host after resolution. */
export type Endpoint = Static<typeof Endpoint>

/** A validated state: canonical addresses, sorted and de-duplicated, so output is deterministic. */
export interface CheckedState {
  lan: Array<{ name: string; subnets: IpPrefix[] }>
  wan: string[]
  listeners: FirewallState['listeners']
  devices: Array<{ id: string; address: IpAddress }>
  uplink: Array<{ address: IpAddress; port: number; host?: string }>
  update: Array<{ address: IpAddress; port: number; host?: string }>
  dns: IpAddress[]
  ntp: IpAddress[]
  lockdown: boolean
}

const validateShape = compile<FirewallState>('payload', FirewallStateSchema)

const bad = (field: string, why: string): HubError =>
  new HubError('HUB_ERR_FIREWALL_STATE', `firewall state: ${field} ${why}`, { field })

function address(text: string, field: string): IpAddress {
  const a = parseIp(text)
  if (!a) throw bad(field, 'is not an IPv4 or IPv6 address')
  return a
}

function uniqueAddresses(list: string[], field: string): IpAddress[] {
  const parsed = list.map((s, i) => address(s, `${field}.${i}`)).sort(compareIp)
  return parsed.filter((a, i) => i === 0 || compareIp(a, parsed[i - 1]!) !== 0)
}

function endpoints(list: Endpoint[], field: string): CheckedState['uplink'] {
  const out = list.map((e, i) => ({ address: address(e.address, `${field}.${i}.address`), port: e.port, ...(e.host ? { host: e.host.toLowerCase() } : {}) }))
  const key = (e: (typeof out)[number]) => `${formatIp(e.address)} ${e.port}`
  out.sort((a, b) => compareIp(a.address, b.address) || a.port - b.port || (a.host ?? '').localeCompare(b.host ?? ''))
  return out.filter((e, i) => i === 0 || key(e) !== key(out[i - 1]!))
}

/**
 * Validates and normalises the state. Throws `HUB_ERR_FIREWALL_STATE` naming the first bad field
 * (`lanInterfaces.0.subnets.1`): a state that cannot be expressed safely is never half-applied.
 */
export function checkState(input: unknown): CheckedState {
  if (!validateShape(input)) {
    const e = validateShape.errors![0]!
    throw bad(errorPath(e), e.message ?? 'is invalid')
  }
  const s = input
  const lanNames = new Set<string>()
  const lan = s.lanInterfaces.map((l, i) => {
    if (l.name === 'lo') throw bad(`lanInterfaces.${i}.name`, 'must not be lo (loopback is always allowed)')
    if (lanNames.has(l.name)) throw bad(`lanInterfaces.${i}.name`, `repeats ${l.name}`)
    lanNames.add(l.name)
    const subnets = l.subnets.map((c, j) => {
      const p = parseCidr(c)
      if (!p) throw bad(`lanInterfaces.${i}.subnets.${j}`, 'is not a CIDR prefix (a.b.c.d/n or x::/n)')
      return p
    })
    return { name: l.name, subnets: minimalPrefixes(subnets) }
  })
  s.wanInterfaces.forEach((w, i) => {
    if (w === 'lo' || lanNames.has(w)) throw bad(`wanInterfaces.${i}`, `${w} cannot be WAN-side (it is loopback or a LAN interface)`)
  })
  const l = s.listeners
  const ports = Object.entries(l).filter(([, v]) => v !== undefined)
  ports.forEach(([k, v], i) => {
    const clash = ports.findIndex(([, w]) => w === v)
    if (clash !== i) throw bad(`listeners.${k}`, `uses port ${v}, as listeners.${ports[clash]![0]} does`)
  })
  const seen = new Map<string, string>()
  const devices = s.ipDevices.map((d, i) => {
    if (!isDeviceId(d.id)) throw bad(`ipDevices.${i}.id`, 'must be 1-64 characters of a-z, 0-9 and -')
    const a = address(d.address, `ipDevices.${i}.address`)
    const key = formatIp(a)
    if (seen.has(key)) throw bad(`ipDevices.${i}.address`, `${key} is already device ${seen.get(key)}`)
    seen.set(key, d.id)
    return { id: d.id, address: a }
  })
  devices.sort((a, b) => compareIp(a.address, b.address))
  return {
    lan: lan.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    wan: [...new Set(s.wanInterfaces)].sort(),
    listeners: { ...l },
    devices,
    uplink: endpoints(s.uplinkHosts, 'uplinkHosts'),
    update: endpoints(s.updateHosts, 'updateHosts'),
    dns: uniqueAddresses(s.dnsServers, 'dnsServers'),
    ntp: uniqueAddresses(s.ntpServers, 'ntpServers'),
    lockdown: s.lockdown,
  }
}
