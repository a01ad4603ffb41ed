/**
 * The hub's HTTP API (`/api/v1`), the only thing the UI talks to. The session cookie is
 * HttpOnly and sent by the browser; every state-changing call carries the CSRF token from the
 * claim/login/who-am-I answer.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from Retry-After on a 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message)
  }
}

export interface SessionInfo {
  name: string
  csrfToken: string
}

export interface Device {
  id: string
  name: string
  kind: string
  createdAt: string
  state: Record<string, unknown> | null
  availability: 'online' | 'offline' | null
  transport?: 'mqtt' | 'zigbee'
  ieee?: string
}

export interface Credentials {
  id: string
  name: string
  kind: string
  token: string
  mqtt: {
    host: string
    port: number
    username: string
    clientId: string
    stateTopic: string
    commandTopic: string
    availabilityTopic: string
    caFingerprint: string
    ca: string
  }
}

export interface About {
  model: string
  version: string
  hubId: string
  supportEnd: string
}

export const session: { name: string | null; csrf: string | null } = { name: null, csrf: null }

export function setSession(s: SessionInfo | null): void {
  session.name = s?.name ?? null
  session.csrf = s?.csrfToken ?? null
}

let unauthorized: (() => void) | null = null
/** Called on a 401 from a call that needed the session (it expired, or the hub restarted). */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn
}

/** Device ids are `d-` + lowercase letters and digits (the API's own pattern). */
export const isDeviceId = (id: unknown): id is string => typeof id === 'string' && /^d-[a-z0-9]{1,62}$/.test(id)

export async function api<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, opts: { expect401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf
  let res: Response
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    })
  } catch {
    throw new ApiError(0, 'HUB_ERR_NETWORK', "Can't reach the hub. Check that this phone or computer is on the same network as the hub, then try again.")
  }
  if (res.status === 204) return undefined as T
  let data: unknown = null
  try {
    data = await res.json()
  } catch {
    data = null
  }
  if (res.ok) return data as T
  const d = (data ?? {}) as { code?: unknown; message?: unknown }
  const retry = res.status === 429 ? Number.parseInt(res.headers.get('retry-after') ?? '', 10) : Number.NaN
  const err = new ApiError(
    res.status,
    typeof d.code === 'string' ? d.code : 'HUB_ERR_HTTP',
    typeof d.message === 'string' ? d.message : `the hub answered ${res.status}`,
    Number.isFinite(retry) ? Math.max(1, retry) : null,
  )
  if (res.status === 401 && !opts.expect401 && unauthorized) unauthorized()
  throw err
}
