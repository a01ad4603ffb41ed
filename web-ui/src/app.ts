import { api, setSession, session, type SessionInfo } from './api.js'
import { startLive, stopLive } from './live.js'

/** What a page gets: where to render, the route's parameters, and a signal that fires when the user leaves. */
export interface Ctx {
  main: HTMLElement
  params: string[]
  signal: AbortSignal
}
export type Page = (ctx: Ctx) => void | Promise<void>

/** Whether the hub has an owner (from the public GET /setup). */
export const hub = { claimed: null as boolean | null }

/** Where to go after logging in (the page that asked for a session). */
let returnTo = '#/'

export const loggedIn = (): boolean => session.csrf !== null

/** Navigates within the app (a hash change; the router renders). */
export function go(hash: string, replace = false): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'))
  else if (replace) {
    history.replaceState(null, '', hash)
    window.dispatchEvent(new HashChangeEvent('hashchange'))
  } else location.hash = hash
}

/** After claim or login. */
export function signedIn(s: SessionInfo): void {
  setSession(s)
  hub.claimed = true
  startLive()
  const next = returnTo
  returnTo = '#/'
  go(next, true)
}

/** After logout or a lost session. */
export function signedOut(remember = false): void {
  if (remember && !/^#\/(login|setup)?$/.test(location.hash)) returnTo = location.hash
  setSession(null)
  stopLive()
}

/** Learns whether the hub is claimed and whether this browser has a session. */
export async function refreshAuth(): Promise<void> {
  hub.claimed = (await api<{ claimed: boolean }>('GET', '/setup')).claimed
  if (!hub.claimed) return setSession(null)
  try {
    setSession(await api<SessionInfo>('GET', '/session', undefined, { expect401: true }))
  } catch (err) {
    if ((err as { status?: number }).status !== 401) throw err
    setSession(null)
  }
}
