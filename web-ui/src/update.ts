import { api } from './api.js'
import type { Ctx } from './app.js'
import { h, message } from './dom.js'
import { dateText } from './format.js'
import { announce, busy, errorBox, heading, showError } from './ui.js'

/** GET /api/v1/update (src/web/routes/update.ts). */
interface UpdateStatus {
  installed: { version: string; slot?: string }
  phase: string
  progress: { done: number; total: number }
  available?: { version: string; notes: string; created: string; supportEnd: string }
  check: { autoCheck: boolean; source: string; postponedUntil?: string; last?: { at: string; ok: boolean; message: string } }
  lastInstall?: { ok: boolean; version: string; fromVersion: string; at: string; reason?: string }
  lastError?: { at: string; message: string }
  canInstall: boolean
  integrity: { status: 'verified' | 'unverified' | 'failed'; reason?: string; version?: string; problems?: string[]; lockdown: boolean; acknowledged?: boolean }
}

const PHASES: Record<string, string> = {
  checking: 'Looking for an update…',
  downloading: 'Downloading…',
  verifying: 'Checking the signature and every file…',
  installing: 'Installing into the spare slot…',
  switching: 'Switching over…',
  restarting: 'Restarting into the new version. This page reconnects by itself.',
}

function integrityBox(i: UpdateStatus['integrity'], onAck: () => Promise<void>): HTMLElement {
  if (i.status === 'verified') return message('ok', `Software check passed: every file matches the signed release ${i.version ?? ''}.`)
  if (i.status === 'unverified') return message('info', 'Software check: unverified (development build) — this hub runs from a source checkout, not a signed release.')
  const ack = h('button', { type: 'button' }, 'I have seen this: lift the lockdown')
  ack.addEventListener('click', () => void busy(ack, 'Lifting…', onAck))
  return message(
    'error',
    h('p', null, h('strong', null, 'The installed software does not match its signed release. '), i.reason ?? ''),
    h('ul', null, (i.problems ?? []).map((p) => h('li', { class: 'mono' }, p))),
    i.lockdown
      ? h('p', null, 'The hub has cut its network access down to this web page until you act. Reinstall a release (below), or lift the lockdown if you changed the files yourself.')
      : h('p', null, 'You acknowledged this alert; the network is open again.'),
    i.lockdown ? ack : null,
  )
}

/** Updates: what is installed, what an update fixes, install with progress, automatic checks. */
export async function updatePage(ctx: Ctx): Promise<void> {
  ctx.main.append(heading('Updates'))
  const body = h('div')
  const err = errorBox()
  ctx.main.append(err, body)
  let timer: ReturnType<typeof setTimeout> | null = null
  ctx.signal.addEventListener('abort', () => timer && clearTimeout(timer))
  const render = (s: UpdateStatus) => {
    const checkBtn = h('button', { type: 'button' }, 'Check now')
    checkBtn.addEventListener('click', () => void busy(checkBtn, 'Checking…', () => act(() => api('POST', '/update/check'))))
    const auto = h('input', { type: 'checkbox', id: 'auto-check', checked: s.check.autoCheck })
    auto.addEventListener('change', () => void act(() => api('PUT', '/update/settings', { autoCheck: auto.checked })))
    const postpone = h('button', { type: 'button' }, s.check.postponedUntil ? 'Stop postponing' : 'Postpone for 7 days')
    postpone.addEventListener('click', () => void busy(postpone, 'Saving…', () => act(() => api('PUT', '/update/settings', { postponeDays: s.check.postponedUntil ? 0 : 7 }))))
    const running = s.phase !== 'idle'
    const parts: Array<HTMLElement | null> = [
      integrityBox(s.integrity, () => act(() => api('POST', '/integrity/acknowledge'))),
      h('section', { class: 'card', id: 'update-installed' }, h('h2', null, 'Installed'), h('p', null, `Version ${s.installed.version}${s.installed.slot ? ` (slot ${s.installed.slot.toUpperCase()})` : ''}.`)),
      s.lastInstall
        ? message(s.lastInstall.ok ? 'ok' : 'warn', s.lastInstall.ok ? `Updated from ${s.lastInstall.fromVersion} to ${s.lastInstall.version} on ${dateText(s.lastInstall.at)}.` : `The update to ${s.lastInstall.version} was undone and ${s.lastInstall.fromVersion} restored: ${s.lastInstall.reason ?? 'no reason recorded'}.`)
        : null,
      s.lastError && !running ? message('error', `The last attempt failed: ${s.lastError.message}`) : null,
      running
        ? h('section', { class: 'card', role: 'status' }, h('p', null, PHASES[s.phase] ?? s.phase), s.progress.total > 0 ? h('progress', { max: s.progress.total, value: s.progress.done, 'aria-label': 'Progress' }) : h('progress', { 'aria-label': 'Progress' }))
        : null,
      s.available ? availableCard(s) : h('p', null, s.check.last ? `Last check ${dateText(s.check.last.at)}: ${s.check.last.message}.` : 'No check yet.'),
      h(
        'section',
        { class: 'card' },
        h('h2', null, 'Automatic checks'),
        h('div', { class: 'field' }, h('label', { for: 'auto-check' }, auto, ' Look for updates every day')),
        s.check.postponedUntil ? h('p', null, `Postponed until ${dateText(s.check.postponedUntil)}.`) : null,
        h('div', { class: 'actions' }, checkBtn, postpone),
      ),
    ]
    body.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null))
    if (running) timer = setTimeout(() => void refresh(), 1000)
  }
  const availableCard = (s: UpdateStatus) => {
    const a = s.available!
    const install = h('button', { type: 'button', class: 'primary' }, `Install ${a.version}`)
    install.disabled = !s.canInstall
    install.addEventListener('click', () => void busy(install, 'Starting…', () => act(() => api('POST', '/update/apply', {}))))
    return h(
      'section',
      { class: 'card', id: 'update-available' },
      h('h2', null, `Version ${a.version} is available`),
      h('p', null, 'What it fixes:'),
      h('pre', { class: 'notes' }, a.notes || '(no notes)'),
      h('p', null, `Signed release of ${dateText(a.created)}; security updates until ${dateText(a.supportEnd)}. If it does not start properly, the hub goes back to ${s.installed.version} by itself.`),
      s.canInstall ? null : h('p', null, 'This hub was not installed from the SD image, so it cannot install updates itself.'),
      h('div', { class: 'actions' }, install),
    )
  }
  const refresh = async () => {
    try {
      render(await api<UpdateStatus>('GET', '/update'))
    } catch (e) {
      showError(err, e)
    }
  }
  const act = async (fn: () => Promise<unknown>) => {
    err.hidden = true
    try {
      await fn()
      announce('Done.')
    } catch (e) {
      showError(err, e, undefined, ctx.signal)
    }
    await refresh()
  }
  await refresh()
}

/** A banner on every page while the software check has failed (the API's integrity field). */
export async function integrityBanner(main: HTMLElement): Promise<void> {
  try {
    // expect401: an ended session is the page's to handle (it shows the login), not the banner's.
    const s = await api<UpdateStatus>('GET', '/update', undefined, { expect401: true })
    document.getElementById('integrity-banner')?.remove()
    if (s.integrity.status !== 'failed' || !s.integrity.lockdown) return
    main.before(h('div', { id: 'integrity-banner', class: 'msg error', role: 'alert' }, 'Alert: the installed software does not match its signed release, and the hub has locked its network down. ', h('a', { href: '#/updates' }, 'See Updates')))
  } catch {
    // no session or no hub: the pages say so
  }
}
