import { api } from './api.js'
import type { Ctx } from './app.js'
import { field, h, message, newId } from './dom.js'
import { announce, busy, errorBox, heading, showError } from './ui.js'

/** GET /api/v1/uplink (src/uplink/service.ts UplinkStatus). */
interface UplinkStatus {
  enabled: boolean
  configured: boolean
  url: string
  topics: string[]
  remotePrefix: string
  consent: { by: string; atWall: string; wallClock: string } | null
  connection: { state: string; attempts: number; nextAttemptInMs: number | null; lastError: string | null }
  queue: { messages: number; bytes: number; maxMessages: number; maxBytes: number; dropped: number; sent: number }
  commands: { accepted: number; refused: number }
}

const dl = (rows: Array<[string, string]>) => h('dl', { class: 'kv' }, rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]))

/** The uplink card: what leaves the home, where to, the queue and its drops; enable or withdraw consent. */
export async function uplinkPage(ctx: Ctx): Promise<void> {
  ctx.main.append(heading('Uplink'))
  const body = h('div')
  ctx.main.append(body)
  const render = (s: UplinkStatus) => {
    const c = s.connection
    const card = h(
      'section',
      { class: 'card', 'aria-label': 'Uplink status' },
      h('p', null, s.enabled ? `On: device state goes to ${s.url}.` : 'Off: nothing leaves your home. Local control never needs it.'),
      dl([
        ['Remote broker', s.configured ? s.url : 'not configured (uplink.url)'],
        ['Sent topics', s.topics.join(', ')],
        ['Consent', s.consent ? `given by ${s.consent.by}, ${s.consent.atWall}${s.consent.wallClock === 'implausible' ? ' (the hub clock was wrong)' : ' (hub clock, unverified)'}` : 'not given'],
        ['Connection', `${c.state}${c.nextAttemptInMs !== null ? `, retry in ${Math.ceil(c.nextAttemptInMs / 1000)} s` : ''}${c.lastError ? ` (${c.lastError})` : ''}`],
        ['Waiting to send', `${s.queue.messages} of ${s.queue.maxMessages} messages, ${Math.round(s.queue.bytes / 1024)} of ${Math.round(s.queue.maxBytes / 1024)} KiB`],
        ['Dropped (queue full, oldest first)', String(s.queue.dropped)],
        ['Sent', String(s.queue.sent)],
        ['Remote commands', `${s.commands.accepted} accepted, ${s.commands.refused} refused`],
      ]),
    )
    const err = errorBox()
    body.replaceChildren(card, err, s.enabled ? disableForm(err) : s.configured ? enableForm(s, err) : message('info', 'Set uplink.url in the hub settings to offer an uplink.'))
  }
  const disableForm = (err: HTMLElement) => {
    const b = h('button', { type: 'submit', class: 'danger' }, 'Turn off and withdraw consent')
    const f = h('form', null, h('p', null, 'Stops at once; what was waiting to be sent is discarded.'), h('div', { class: 'actions' }, b))
    f.addEventListener('submit', (e) => {
      e.preventDefault()
      void busy(b, 'Turning off…', async () => {
        try {
          render(await api<UplinkStatus>('POST', '/uplink/disable', {}))
          announce('Uplink off; consent withdrawn')
        } catch (x) {
          showError(err, x, b)
        }
      })
    })
    return f
  }
  const enableForm = (s: UplinkStatus, err: HTMLElement) => {
    const user = field('Username at the remote broker', { autocomplete: 'off', maxlength: 128, required: true })
    const pass = field('Password', { type: 'password', autocomplete: 'new-password', maxlength: 512, required: true }, 'Stored sealed on the hub; never shown again.')
    const caId = newId('ca')
    const ca = h('textarea', { id: caId, rows: 4, maxlength: 32768 })
    const b = h('button', { type: 'submit', class: 'primary' }, 'I agree: turn on')
    const f = h(
      'form',
      null,
      h('p', null, `Turning this on sends ${s.topics.join(', ')} of your devices to ${s.url}, and lets it send commands back. You can turn it off at any time.`),
      user.wrap,
      pass.wrap,
      h('div', { class: 'field' }, h('label', { for: caId }, 'CA certificate of the remote (PEM; empty: the system’s CAs)'), ca),
      h('div', { class: 'actions' }, b),
    )
    f.addEventListener('submit', (e) => {
      e.preventDefault()
      void busy(b, 'Turning on…', async () => {
        try {
          render(await api<UplinkStatus>('POST', '/uplink/enable', { username: user.input.value, password: pass.input.value, ...(ca.value.trim() ? { ca: ca.value } : {}) }))
          announce('Uplink on')
        } catch (x) {
          showError(err, x, b)
        }
      })
    })
    return f
  }
  try {
    render(await api<UplinkStatus>('GET', '/uplink'))
  } catch (x) {
    const err = errorBox()
    showError(err, x)
    body.replaceChildren(err)
  }
  // Counts move while the page is open: refresh every few seconds until the user leaves.
  const timer = setInterval(() => {
    if (body.querySelector('form input:focus, form textarea:focus')) return
    void api<UplinkStatus>('GET', '/uplink').then(render, () => {})
  }, 5000)
  ctx.signal.addEventListener('abort', () => clearInterval(timer))
}
