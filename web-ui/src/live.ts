import { api } from './api.js'

/** One device change from the hub's event stream. */
export interface Update {
  id: string
  state: Record<string, unknown> | null
  availability: 'online' | 'offline' | null
}
export type LiveStatus = 'live' | 'connecting' | 'off'

const updates = new Set<(u: Update) => void>()
const statuses = new Set<(s: LiveStatus) => void>()
let source: EventSource | null = null
let retry: ReturnType<typeof setTimeout> | null = null
let status: LiveStatus = 'off'

function setStatus(s: LiveStatus): void {
  status = s
  statuses.forEach((f) => f(s))
}

function parse(data: string): Update | null {
  try {
    const u = JSON.parse(data) as Partial<Update>
    if (typeof u.id !== 'string') return null
    const state = u.state && typeof u.state === 'object' && !Array.isArray(u.state) ? u.state : null
    const availability = u.availability === 'online' || u.availability === 'offline' ? u.availability : null
    return { id: u.id, state, availability }
  } catch {
    return null
  }
}

function connect(): void {
  const es = new EventSource('/api/v1/events')
  source = es
  es.addEventListener('open', () => setStatus('live'))
  es.addEventListener('state', (ev) => {
    const u = parse((ev as MessageEvent<string>).data)
    if (u) updates.forEach((f) => f(u))
  })
  es.addEventListener('error', () => {
    if (source !== es) return
    if (es.readyState !== EventSource.CLOSED) return setStatus('connecting') // the browser retries by itself
    // Closed for good (e.g. the session ended): find out why, then try again a little later.
    source = null
    setStatus('connecting')
    retry = setTimeout(() => {
      retry = null
      api('GET', '/session').then(
        () => (source === null && status !== 'off' ? connect() : undefined),
        () => undefined, // a 401 sends the app to the login page, which stops the stream
      )
    }, 3000)
  })
}

/** Starts the live stream (once logged in). */
export function startLive(): void {
  if (source || retry) return
  setStatus('connecting')
  connect()
}

/** Stops it (before logging out, so it never reconnects without a session). */
export function stopLive(): void {
  if (retry) clearTimeout(retry)
  retry = null
  source?.close()
  source = null
  setStatus('off')
}

export function onUpdate(fn: (u: Update) => void): () => void {
  updates.add(fn)
  return () => updates.delete(fn)
}

export function onLiveStatus(fn: (s: LiveStatus) => void): () => void {
  statuses.add(fn)
  fn(status)
  return () => statuses.delete(fn)
}
