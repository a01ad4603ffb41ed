import { api, ApiError, type About } from './api.js'
import type { Ctx } from './app.js'
import { field, h, message, newId, sentence, showPasswords, type Child } from './dom.js'
import { clockText, dateText, durationText } from './format.js'
import { announce, busy, errorBox, heading, showError } from './ui.js'

const kv = (rows: Array<[string, Child | Child[]]>, attrs: Record<string, string> = {}) =>
  h('dl', { class: 'kv', ...attrs }, rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]))

const section = (title: string, ...children: Array<Child | Child[]>) => {
  const id = newId('s')
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children)
}

/** Loads JSON for a page, showing a loading line and then an error if it fails. */
async function load<T>(ctx: Ctx, path: string): Promise<T | null> {
  const wait = h('p', { class: 'loading' }, 'Loading…')
  ctx.main.append(wait)
  try {
    return await api<T>('GET', path)
  } catch (e) {
    const err = errorBox()
    showError(err, e)
    wait.replaceWith(err)
    return null
  } finally {
    wait.remove()
  }
}

/** Zigbee pairing: open the network for a while and count down, or say why it can't. */
export function pairingPage(ctx: Ctx): void {
  const id = newId('secs')
  const select = h(
    'select',
    { id },
    [60, 120, 180, 254].map((s) => h('option', { value: s, selected: s === 120 }, s === 254 ? '4 minutes (the most)' : `${s / 60} minute${s === 60 ? '' : 's'}`)),
  )
  const start = h('button', { type: 'submit', class: 'primary' }, 'Start pairing')
  const out = h('div', { role: 'status' })
  const err = errorBox()
  let timer: ReturnType<typeof setInterval> | null = null
  ctx.signal.addEventListener('abort', () => timer && clearInterval(timer))
  const form = h('form', null, h('div', { class: 'field' }, h('label', { for: id }, 'Let devices join for'), select), err, h('div', { class: 'actions' }, start))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    err.hidden = true
    void busy(start, 'Starting…', async () => {
      try {
        const seconds = Number(select.value)
        const r = await api<{ until?: unknown; seconds?: unknown }>('POST', '/pairing', { seconds })
        countdown(remaining(r, seconds), seconds)
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) {
          err.hidden = false
          err.replaceChildren(
            h('p', null, sentence(e.message)),
            h('p', null, 'Pairing needs a Zigbee coordinator stick plugged into the hub. Wi-Fi devices work without one: ', h('a', { href: '#/add' }, 'add a Wi-Fi device'), '.'),
          )
          return
        }
        showError(err, e, start, ctx.signal)
      }
    })
  })
  /** Seconds left: from `seconds` if the hub sends it, else from an `until` time, else what was asked. */
  const remaining = (r: { until?: unknown; seconds?: unknown }, asked: number): number => {
    if (typeof r.seconds === 'number') return r.seconds
    const until = typeof r.until === 'number' ? r.until : typeof r.until === 'string' ? Date.parse(r.until) : Number.NaN
    return Number.isFinite(until) ? Math.min(asked, Math.max(0, (until - Date.now()) / 1000)) : asked
  }
  const countdown = (seconds: number, total: number) => {
    const ends = performance.now() + seconds * 1000
    const big = h('p', { class: 'countdown', 'aria-hidden': 'true' })
    const bar = h('progress', { max: total, value: seconds, 'aria-label': 'Time left for pairing' })
    const said = h('p', null, 'Pairing is open. Put the device in pairing mode now.')
    const first = Math.ceil(seconds)
    out.replaceChildren(message('ok', said, big, bar))
    start.hidden = true
    const tick = () => {
      const left = Math.max(0, Math.ceil((ends - performance.now()) / 1000))
      big.textContent = clockText(left)
      bar.value = left
      if (left === 0) {
        clearInterval(timer!)
        timer = null
        start.hidden = false
        out.replaceChildren(message('info', h('p', null, 'Pairing has closed. New devices show up on Home.')))
      } else if (left % 30 === 0 && left < first) said.textContent = `Pairing is open: ${clockText(left)} left.`
    }
    tick()
    timer = setInterval(tick, 1000)
  }
  ctx.main.append(
    heading('Zigbee pairing'),
    h('p', { class: 'lead' }, "Zigbee sensors, bulbs and plugs join the hub's own radio network. Pairing lets new devices join for a short time."),
    h(
      'ol',
      { class: 'howto' },
      h('li', null, 'Choose how long to let devices join, then start pairing.'),
      h('li', null, 'Put the device in pairing mode: usually hold its button for 5 seconds, or switch it on for the first time.'),
      h('li', null, 'It appears on Home once it has joined.'),
    ),
    form,
    out,
  )
  // A window opened elsewhere (hub button, `hearth pair`) shows its countdown here too.
  void api<{ open?: boolean; remainingSeconds?: number; seconds?: number }>('GET', '/pairing')
    .then((s) => s.open && typeof s.remainingSeconds === 'number' && !ctx.signal.aborted && countdown(s.remainingSeconds, s.seconds ?? s.remainingSeconds))
    .catch(() => {})
}

const COUNTERS: Record<string, string> = {
  connected: 'Connections accepted',
  'connectRefused.badCredentials': 'Connections refused: wrong username or token',
  'connectRefused.notAuthorized': 'Connections refused: not allowed',
  'connectRefused.clientId': 'Connections refused: wrong client ID',
  'connectRefused.will': 'Connections refused: bad last-will message',
  'connectRefused.address-rate': 'Connections refused: too fast from one address',
  'connectRefused.global-rate': 'Connections refused: too fast overall',
  'connectRefused.max-clients': 'Connections refused: too many clients',
  published: 'Messages published',
  rejectedPayload: 'Messages refused: bad content',
  deniedPublish: 'Messages refused: not allowed',
  deniedSubscribe: 'Subscriptions refused',
  throttled: 'Clients slowed down: too many messages',
  droppedOutgoing: 'Messages dropped: slow receiver',
  droppedOffline: "Messages dropped: an away session's queue was full",
  oversizedPackets: 'Packets refused: too large',
  slowDisconnects: 'Clients cut off: too slow',
}
const order = (k: string) => (k in COUNTERS ? Object.keys(COUNTERS).indexOf(k) : 99)

function flatten(o: unknown, prefix = ''): Array<[string, string]> {
  if (o === null || typeof o !== 'object') return [[prefix, String(o)]]
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k))
}

interface Listener {
  host?: unknown
  port?: unknown
}
const where = (l: Listener | undefined) => {
  if (!l) return 'unknown'
  const host = String(l.host)
  const scope = /^(127\.|::1$)/.test(host) ? 'this computer only' : host === '0.0.0.0' || host === '::' ? 'every network' : null
  return [h('span', { class: 'mono' }, `${host.includes(':') ? `[${host}]` : host}:${String(l.port)}`), scope ? h('span', { class: 'scope' }, ` (${scope})`) : '']
}

interface Firewall {
  applied: boolean
  reason?: string
  rules: Array<{ chain: string; rule: string; reason: string }>
}

/** The host firewall: in force or not, and each rule with the reason for it (as `hearth policy show`). */
function firewallSection(f: Firewall | undefined): HTMLElement {
  if (!f) return section('Network firewall', h('p', null, 'Not started yet.'))
  return section(
    'Network firewall',
    h('p', null, f.applied ? 'In force: only what is listed below can reach the hub.' : `Not in force: ${f.reason ?? 'unknown reason'}. These are the rules it would apply:`),
    h('ul', { class: 'facts', id: 'firewall-rules' }, ...f.rules.map((r) => h('li', null, h('strong', null, `${r.reason} `), h('code', { class: 'mono' }, `${r.chain}: ${r.rule}`)))),
  )
}

interface SecEvent {
  kind: string
  severity: 'info' | 'warning' | 'alert'
  detail: string
  address?: string
  count: number
  last: string
}

/** Recent logins, failures and alerts, newest first; repeats are one line with a count. */
function eventsSection(events: SecEvent[]): HTMLElement {
  const mark = { info: '', warning: 'Warning: ', alert: 'ALERT: ' }
  return section(
    'Recent logins, failures and alerts',
    events.length
      ? h(
          'ul',
          { class: 'facts', id: 'security-events' },
          ...events.map((e) =>
            h(
              'li',
              { class: `sev-${e.severity}` },
              h('strong', null, `${mark[e.severity] ?? ''}${e.detail}`),
              e.count > 1 ? ` (${e.count} times)` : '',
              e.address ? [' from ', h('span', { class: 'mono' }, e.address)] : '',
              h('span', { class: 'hint' }, ` · ${new Date(e.last).toLocaleString()}`),
            ),
          ),
        )
      : h('p', null, 'Nothing since the hub started.'),
    h('p', { class: 'hint' }, 'Kept in memory only, for the last 100 events; a restart or a wipe clears it.'),
  )
}

/** Security: certificate fingerprint, listeners, firewall, broker counters. */
export async function securityPage(ctx: Ctx): Promise<void> {
  ctx.main.append(heading('Security'))
  const s = await load<Record<string, unknown>>(ctx, '/security')
  if (!s) return
  const listeners = (s.listeners ?? {}) as Record<string, Listener>
  const counters = flatten(s.broker ?? {})
    .filter(([, v]) => /^\d+$/.test(v))
    .sort(([a], [b]) => order(a) - order(b))
  ctx.main.append(
    section(
      "This hub's certificate",
      h('p', null, "The hub made its own certificate, so your browser can't vouch for it. Check that this fingerprint matches the one ", h('code', null, 'hearth status'), ' prints on the hub, and the one your browser shows for this page.'),
      h('p', { class: 'mono', id: 'tls-fingerprint' }, String(s.tlsFingerprint ?? 'unknown')),
      h('p', { class: 'hint' }, 'SHA-256'),
    ),
    section(
      'Where the hub listens',
      kv(
        [
        ['This web page (HTTPS)', where(listeners.https)],
        ['Devices (MQTTS)', where(listeners.mqtts)],
        ...(listeners.httpRedirect ? [['Plain HTTP (only redirects to HTTPS)', where(listeners.httpRedirect)] as [string, ReturnType<typeof where>]] : []),
        ['Hub name', String(s.hostname ?? '')],
        ['Running for', typeof s.uptimeSeconds === 'number' ? durationText(s.uptimeSeconds) : '—'],
        ],
        { class: 'kv wide' },
      ),
    ),
    firewallSection(s.firewall as Firewall | undefined),
    section(
      'Owner account',
      h('p', null, s.setupCodeValid === false ? 'The hub is claimed. Its setup code no longer works for claiming, only for a password reset on the hub itself.' : 'The hub is not claimed yet.'),
      h('p', null, 'Repeated wrong passwords slow down logins from that address, and from everywhere if they keep coming. Changing your password logs out every other browser.'),
    ),
    section(
      'Device connections since the hub started',
      counters.length ? kv(counters.map(([k, v]) => [COUNTERS[k] ?? k, v]), { id: 'counters', class: 'kv num' }) : h('p', null, 'No figures yet.'),
    ),
    eventsSection(Array.isArray(s.events) ? (s.events as SecEvent[]) : []),
  )
}

/** About: model, version, support end. */
export async function aboutPage(ctx: Ctx): Promise<void> {
  ctx.main.append(heading('About this hub'))
  const a = await load<About>(ctx, '/about')
  if (!a) return
  ctx.main.append(
    section(
      'This hub',
      kv(
        [
          ['Model', a.model],
          ['Version', a.version],
          ['Hub ID', h('span', { class: 'mono' }, a.hubId)],
          ['Security updates until', h('time', { datetime: a.supportEnd }, dateText(a.supportEnd))],
        ],
        { id: 'about' },
      ),
    ),
    section(
      'Support',
      h('p', null, `This version gets security updates until ${dateText(a.supportEnd)}. After that date it gets no more fixes: update to a newer release, or plan to replace the hub.`),
      h('p', null, 'To report a security problem, follow SECURITY.md in the source code; please include the version above.'),
    ),
  )
}

/** Change the owner password; other sessions end. */
export function passwordPage(ctx: Ctx): void {
  const current = field('Current password', { type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 })
  const next = field('New password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 12, maxlength: 256 }, 'At least 12 characters. A few unrelated words work well.')
  const again = field('New password again', { type: 'password', autocomplete: 'new-password', required: true, maxlength: 256 })
  const err = errorBox()
  const done = message('ok', 'Your password was changed. Every other browser and phone was logged out.')
  done.hidden = true
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Change password')
  const form = h('form', { novalidate: true }, current.wrap, next.wrap, again.wrap, showPasswords(current.input, next.input, again.input), err, done, h('div', { class: 'actions' }, submit))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    for (const f of [current, next, again]) f.setError(null)
    err.hidden = true
    done.hidden = true
    if (!current.input.value) return current.setError('Enter your current password.'), current.input.focus()
    if (next.input.value.length < 12) return next.setError(`Use at least 12 characters (this one has ${next.input.value.length}).`), next.input.focus()
    if (next.input.value !== again.input.value) return again.setError("The two new passwords don't match."), again.input.focus()
    void busy(submit, 'Changing…', async () => {
      try {
        await api('PUT', '/password', { currentPassword: current.input.value, newPassword: next.input.value })
        form.reset()
        err.hidden = true
        done.hidden = false
        announce('Password changed. Every other browser was logged out.')
      } catch (e) {
        if (e instanceof ApiError && e.status === 403 && /current password/i.test(e.message)) return current.setError('Your current password is not right.'), current.input.focus()
        if (e instanceof ApiError && e.status === 400 && /^password/i.test(e.message)) return next.setError(sentence(e.message)), next.input.focus()
        showError(err, e, submit, ctx.signal)
      }
    })
  })
  ctx.main.append(heading('Change password'), h('p', { class: 'lead' }, 'Changing it logs out every other browser and phone. This one stays logged in.'), form)
}
