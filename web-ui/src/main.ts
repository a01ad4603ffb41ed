import { addPage } from './add.js'
import { api, onUnauthorized } from './api.js'
import { go, hub, loggedIn, refreshAuth, signedOut, type Ctx, type Page } from './app.js'
import { devicePage } from './device.js'
import { h } from './dom.js'
import { homePage } from './home.js'
import { aboutPage, pairingPage, passwordPage, securityPage } from './info.js'
import { privacyPage } from './privacy.js'
import { startLive, stopLive } from './live.js'
import { loginPage, setupPage } from './setup.js'
import { uplinkPage } from './uplink.js'
import { announce, clearOldAnnouncement, heading } from './ui.js'
import { integrityBanner, updatePage } from './update.js'

interface Route {
  path: RegExp
  title: string
  page: Page
  /** Pages for visitors without a session. */
  open?: 'setup' | 'login'
}

const ROUTES: Route[] = [
  { path: /^$/, title: 'Home', page: homePage },
  { path: /^setup$/, title: 'Set up your hub', page: setupPage, open: 'setup' },
  { path: /^login$/, title: 'Log in', page: loginPage, open: 'login' },
  { path: /^add$/, title: 'Add a device', page: addPage },
  { path: /^device\/([a-z0-9-]+)$/, title: 'Device', page: devicePage },
  { path: /^pairing$/, title: 'Zigbee pairing', page: pairingPage },
  { path: /^security$/, title: 'Security', page: securityPage },
  { path: /^privacy$/, title: 'Privacy', page: privacyPage },
  { path: /^about$/, title: 'About', page: aboutPage },
  { path: /^updates$/, title: 'Updates', page: updatePage },
  { path: /^uplink$/, title: 'Uplink', page: uplinkPage },
  { path: /^password$/, title: 'Change password', page: passwordPage },
]

const main = document.getElementById('main') as HTMLElement
const nav = document.getElementById('nav') as HTMLElement
const menu = document.getElementById('menu-btn') as HTMLButtonElement
let leave: AbortController | null = null
let first = true

function setMenu(open: boolean): void {
  nav.classList.toggle('open', open)
  menu.setAttribute('aria-expanded', String(open))
}

function route(): void {
  const path = location.hash.replace(/^#\/?/, '')
  // Who may see what: unclaimed → the wizard; claimed without a session → login; else the app.
  const want = hub.claimed === false ? 'setup' : !loggedIn() ? 'login' : null
  const found = ROUTES.find((r) => r.path.test(path))
  if (want && found?.open !== want) return go(`#/${want}`, true)
  if (!want && found?.open) return go('#/', true)

  leave?.abort()
  leave = new AbortController()
  setMenu(false)
  const signedIn = loggedIn()
  nav.hidden = !signedIn
  menu.hidden = !signedIn
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${path}`) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  main.replaceChildren()
  clearOldAnnouncement()
  document.title = `${found?.title ?? 'Not found'} · Hearth`
  const ctx: Ctx = { main, params: found ? (found.path.exec(path)?.slice(1) ?? []) : [], signal: leave.signal }
  if (!found) main.append(heading('Page not found'), h('p', null, 'There is no such page. ', h('a', { href: '#/' }, 'Go to Home'), '.'))
  else void Promise.resolve(found.page(ctx)).catch(() => main.append(h('p', { class: 'msg error', role: 'alert' }, 'This page failed to load. Reload to try again.')))
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  if (!first || location.hash) main.querySelector<HTMLElement>('h1')?.focus()
  first = false
}

async function logout(): Promise<void> {
  stopLive() // first, so the stream never tries again without a session
  try {
    await api('DELETE', '/session', undefined, { expect401: true })
  } catch {
    // The session is gone either way.
  }
  signedOut()
  announce("You're logged out.")
  go('#/login')
}

async function boot(): Promise<void> {
  onUnauthorized(() => {
    if (!loggedIn()) return
    signedOut(true)
    void refreshAuth().finally(() => {
      route()
      announce('Your session ended. Log in again to go on.')
    })
  })
  menu.addEventListener('click', () => setMenu(menu.getAttribute('aria-expanded') !== 'true'))
  document.getElementById('logout')!.addEventListener('click', () => void logout())
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && nav.classList.contains('open')) {
      setMenu(false)
      menu.focus()
    }
  })
  try {
    await refreshAuth()
  } catch {
    main.replaceChildren(heading("Can't reach the hub"), h('p', null, 'Check that the hub is on and this device is on the same network, then reload this page.'))
    return
  }
  if (loggedIn()) startLive()
  window.addEventListener('hashchange', () => loggedIn() && void integrityBanner(main))
  if (loggedIn()) void integrityBanner(main)
  window.addEventListener('hashchange', route)
  route()
}

void boot()
