/** How each kind of device is named and how its state reads on screen. */

export interface KindInfo {
  kind: string
  label: string
  description: string
}

export const KINDS: KindInfo[] = [
  { kind: 'temperature', label: 'Temperature sensor', description: 'Temperature and humidity' },
  { kind: 'contact', label: 'Door or window contact', description: 'Tells you when a door or window opens' },
  { kind: 'motion', label: 'Motion sensor', description: 'Tells you when it sees movement' },
  { kind: 'switch', label: 'Switch or plug', description: 'Turns something on or off' },
  { kind: 'light', label: 'Light', description: 'On or off, with brightness' },
]

export const kindLabel = (kind: string): string => KINDS.find((k) => k.kind === kind)?.label ?? `Device (${kind})`

/** Kinds that take commands on their command topic. */
export const COMMANDABLE = new Set(['switch', 'light'])

export interface Reading {
  label: string
  value: string
}

const num = (v: number, digits = 1) => new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(v)

const KNOWN: Record<string, (v: unknown) => string | null> = {
  temperature: (v) => (typeof v === 'number' ? `${num(v)} °C` : null),
  humidity: (v) => (typeof v === 'number' ? `${num(v, 0)} %` : null),
  battery: (v) => (typeof v === 'number' ? `${num(v, 0)} %` : null),
  contact: (v) => (v === true ? 'Closed' : v === false ? 'Open' : null),
  occupancy: (v) => (v === true ? 'Motion' : v === false ? 'No motion' : null),
  state: (v) => (v === 'ON' ? 'On' : v === 'OFF' ? 'Off' : null),
  brightness: (v) => (typeof v === 'number' ? `${num(Math.round((v / 254) * 100), 0)} %` : null),
  tamper: (v) => (v === true ? 'Case open' : v === false ? 'OK' : null),
  battery_low: (v) => (v === true ? 'Replace battery' : v === false ? 'OK' : null),
}
const LABELS: Record<string, string> = {
  temperature: 'Temperature',
  humidity: 'Humidity',
  battery: 'Battery',
  contact: 'Door',
  occupancy: 'Motion',
  state: 'Power',
  brightness: 'Brightness',
  tamper: 'Tamper',
  battery_low: 'Battery low',
}
/** The field shown large on the dashboard, per kind. */
const MAIN: Record<string, string> = { temperature: 'temperature', contact: 'contact', motion: 'occupancy', switch: 'state', light: 'state' }

/** The main reading (or null) and the others, in a stable order. Values are text, never markup. */
export function readings(kind: string, state: Record<string, unknown> | null): { main: Reading | null; rest: Reading[] } {
  if (!state) return { main: null, rest: [] }
  const all: Array<Reading & { key: string }> = []
  const keys = Object.keys(state).sort((a, b) => (a in LABELS ? Object.keys(LABELS).indexOf(a) : 99) - (b in LABELS ? Object.keys(LABELS).indexOf(b) : 99))
  for (const key of keys) {
    const v = state[key]
    const known = KNOWN[key]?.(v) ?? null
    const value = known ?? (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v))
    all.push({ key, label: LABELS[key] ?? key, value })
  }
  const mainKey = MAIN[kind]
  const main = all.find((r) => r.key === mainKey) ?? null
  return { main, rest: all.filter((r) => r !== main) }
}

export function availabilityText(a: 'online' | 'offline' | null): string {
  return a === 'online' ? 'Online' : a === 'offline' ? 'Offline' : 'Not heard from yet'
}

export function timeText(d: Date): string {
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function dateText(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric', timeZone: /^\d{4}-\d{2}-\d{2}$/.test(iso) ? 'UTC' : undefined })
}

export function durationText(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${m % 60} min`
  return `${Math.floor(h / 24)} days`
}

/** "1:05" for a countdown. */
export const clockText = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`
