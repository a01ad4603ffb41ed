import { ApiError, type Credentials } from './api.js'
import { copyText, h, message, sentence, svg } from './dom.js'
import { encodeQr } from './qr.js'

/** Announces a short message in the page's polite live region (and shows it as a toast). */
let toastTimer: ReturnType<typeof setTimeout> | null = null
let announcedAt = -Infinity
export function announce(text: string): void {
  const el = document.getElementById('status')
  if (!el) return
  el.textContent = text
  announcedAt = performance.now()
  if (toastTimer) clearTimeout(toastTimer)
  toastTimer = setTimeout(() => (el.textContent = ''), 5000)
}

/** On navigation and new steps: drops a message about something earlier (one said just now stays). */
export function clearOldAnnouncement(): void {
  const el = document.getElementById('status')
  if (el && performance.now() - announcedAt > 500) el.textContent = ''
}

/** The page heading (focused on navigation, so screen readers hear where they are). */
export function heading(text: string): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text)
}

/**
 * Puts an API error in `box` (role=alert). A 429 counts down from Retry-After and keeps
 * `button` disabled until then.
 */
export function showError(box: HTMLElement, err: unknown, button?: HTMLButtonElement, signal?: AbortSignal): void {
  box.hidden = false
  if (err instanceof ApiError && err.status === 429 && err.retryAfter) {
    let left = err.retryAfter
    const line = h('span')
    const tick = () => {
      line.textContent = left > 0 ? `Too many attempts. Try again in ${left} s.` : 'You can try again now.'
      if (!button) return
      button.disabled = left > 0
      if (left > 0) button.dataset.wait = '1'
      else delete button.dataset.wait
    }
    tick()
    box.replaceChildren(line)
    const timer = setInterval(() => {
      left--
      tick()
      if (left <= 0) clearInterval(timer)
    }, 1000)
    signal?.addEventListener('abort', () => clearInterval(timer))
    return
  }
  const text = err instanceof ApiError ? sentence(err.message) : 'Something went wrong. Try again.'
  box.replaceChildren(text)
}

export function errorBox(): HTMLDivElement {
  const box = message('error')
  box.hidden = true
  return box
}

/** Wraps an async action so its button shows it is busy and can't be pressed twice. */
export async function busy<T>(button: HTMLButtonElement, label: string, fn: () => Promise<T>): Promise<T> {
  const before = button.textContent
  button.disabled = true
  button.textContent = label
  try {
    return await fn()
  } finally {
    button.textContent = before
    button.disabled = button.dataset.wait === '1' // a 429 countdown keeps it off

  }
}

/** A modal confirmation (<dialog>): resolves true when the user confirms. Cancel has the focus. */
export function confirmDialog(opts: { title: string; body: Array<string | Node>; confirm: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`
    const cancel = h('button', { type: 'button', class: 'cancel', onclick: () => dlg.close('cancel') }, 'Cancel')
    const ok = h('button', { type: 'button', class: opts.danger ? 'danger' : 'primary', onclick: () => dlg.close('ok') }, opts.confirm)
    const dlg = h(
      'dialog',
      { 'aria-labelledby': titleId },
      h('h2', { id: titleId }, opts.title),
      opts.body.map((b) => (typeof b === 'string' ? h('p', null, b) : b)),
      h('div', { class: 'actions' }, cancel, ok),
    )
    dlg.addEventListener('close', () => {
      dlg.remove()
      resolve(dlg.returnValue === 'ok')
    })
    document.body.append(dlg)
    dlg.showModal()
    cancel.focus()
  })
}

/** The QR code as an SVG built with createElementNS: one path, one rect per run of dark modules. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const qr = encodeQr(text, 'M')
  const quiet = 4
  const n = qr.size + quiet * 2
  let d = ''
  qr.modules.forEach((row, y) => {
    for (let x = 0; x < qr.size; ) {
      if (!row[x]) {
        x++
        continue
      }
      let run = 0
      while (x + run < qr.size && row[x + run]) run++
      d += `M${x + quiet} ${y + quiet}h${run}v1h-${run}z`
      x += run
    }
  })
  return svg(
    'svg',
    { class: 'qr', viewBox: `0 0 ${n} ${n}`, role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges' },
    svg('rect', { width: n, height: n, fill: '#ffffff' }),
    svg('path', { d, fill: '#000000' }),
  )
}

/** Where devices should connect: the broker's address, or this page's host if it listens on every address. */
export function deviceHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? location.hostname.replace(/^\[|\]$/g, '') : host
}

/**
 * The connection URI in the QR code:
 * `mqtts://<username>:<token>@<host>:<port>?clientId=<id>&caSha256=<hex>`.
 */
export function connectionUri(c: Credentials): string {
  const m = c.mqtt
  const host = deviceHost(m.host)
  const hostPart = host.includes(':') ? `[${host}]` : host
  const fp = m.caFingerprint.replace(/:/g, '').toLowerCase()
  return `mqtts://${encodeURIComponent(m.username)}:${encodeURIComponent(c.token)}@${hostPart}:${m.port}?clientId=${encodeURIComponent(m.clientId)}&caSha256=${fp}`
}

function copyButton(label: string, what: string, text: () => string): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'small',
      onclick: async () => announce((await copyText(text())) ? `${what} copied.` : "Couldn't copy: select the text and copy it by hand."),
    },
    label,
  )
}

/**
 * The one-time credentials: QR, the fields a device needs, copy buttons, and the "I've saved
 * it" step. `onSaved` runs when the user confirms; the caller then drops this panel (and the
 * token with it).
 */
export function credentialsPanel(c: Credentials, onSaved: () => void): HTMLElement {
  const m = c.mqtt
  const host = deviceHost(m.host)
  const loopback = /^(127\.|::1$|localhost$)/.test(host)
  const json = () => JSON.stringify({ host, port: m.port, username: m.username, clientId: m.clientId, token: c.token, stateTopic: m.stateTopic, commandTopic: m.commandTopic, availabilityTopic: m.availabilityTopic, caFingerprint: m.caFingerprint }, null, 2)
  const row = (label: string, value: string, attrs: Record<string, string> = {}) => [h('dt', null, label), h('dd', { class: 'mono', ...attrs }, value)]
  const saved = h('button', { type: 'button', class: 'primary', id: 'saved', onclick: () => onSaved() }, "I've saved it")
  return h(
    'section',
    { class: 'credentials', 'aria-label': 'Device credentials' },
    message(
      'warn',
      h('p', null, h('strong', null, 'Shown only once. '), "The hub keeps only a fingerprint of the token, so it can't show it again. Save it now, or put it straight into the device."),
    ),
    loopback
      ? message('info', h('p', null, `The hub's MQTT listener is on ${host}, which only this computer can reach. To connect devices on your network, set mqtt.host to 0.0.0.0 in the hub's settings.`))
      : null,
    h(
      'div',
      { class: 'card' },
      qrSvg(connectionUri(c), `QR code with the connection details for ${c.name}`),
      h('p', { class: 'qr-caption' }, "Scan it with the device's setup app, or type the details below."),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'dl',
        { class: 'kv wide' },
        row('Server', host, { 'data-field': 'host' }),
        row('Port', String(m.port), { 'data-field': 'port' }),
        row('Username and client ID', m.username, { 'data-field': 'username' }),
        h('dt', null, 'Token (password)'),
        h('dd', { class: 'secret' }, h('span', { class: 'mono', 'data-field': 'token' }, c.token), copyButton('Copy token', 'Token', () => c.token)),
        row('State topic (device publishes)', m.stateTopic),
        row('Command topic (device listens)', m.commandTopic),
        row('Availability topic', m.availabilityTopic),
        row('Hub CA fingerprint (SHA-256)', m.caFingerprint),
      ),
      h('details', null, h('summary', null, 'Hub CA certificate (PEM)'), h('p', { class: 'hint' }, 'Devices that verify the hub need this certificate.'), h('pre', { class: 'pem' }, m.ca), copyButton('Copy certificate', 'Certificate', () => m.ca)),
      h('div', { class: 'actions' }, copyButton('Copy all as JSON', 'Connection details', json)),
    ),
    h('div', { class: 'actions stack' }, saved),
  )
}
