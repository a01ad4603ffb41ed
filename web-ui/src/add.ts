import { api, isDeviceId, type Credentials } from './api.js'
import type { Ctx } from './app.js'
import { field, h, newId } from './dom.js'
import { KINDS, readings } from './format.js'
import { onUpdate } from './live.js'
import { busy, clearOldAnnouncement, credentialsPanel, errorBox, heading, showError } from './ui.js'

/** Keeps a reload or tab close from silently losing credentials that are on screen. */
function guardUnload(signal: AbortSignal): () => void {
  const warn = (e: BeforeUnloadEvent) => e.preventDefault()
  window.addEventListener('beforeunload', warn)
  const off = () => window.removeEventListener('beforeunload', warn)
  signal.addEventListener('abort', off)
  return off
}

/** Add a Wi-Fi/MQTT device: kind and name → credentials and QR (once) → wait for its first report. */
export function addPage(ctx: Ctx): void {
  const stepOne = () => {
    const name = field('Name', { autocomplete: 'off', required: true, maxlength: 64, placeholder: 'For example: Living room' }, 'Shown on your dashboard. You can change it later.')
    const group = newId('kind')
    const kindErr = h('p', { class: 'msg error', id: `${group}-err`, hidden: true })
    const choices = KINDS.map((k, i) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: group, value: k.kind, checked: i === 0 }),
        h('span', null, h('strong', null, k.label), h('span', null, k.description)),
      ),
    )
    const err = errorBox()
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Create its login')
    const form = h(
      'form',
      { novalidate: true },
      h('fieldset', null, h('legend', null, 'What kind of device is it?'), h('div', { class: 'choices' }, choices), kindErr),
      name.wrap,
      err,
      h('div', { class: 'actions' }, submit),
    )
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const kind = form.querySelector<HTMLInputElement>(`input[name="${group}"]:checked`)?.value
      const n = name.input.value.trim()
      name.setError(n ? null : 'Give the device a name.')
      if (!n) return name.input.focus()
      if (!kind) return
      err.hidden = true
      void busy(submit, 'Creating…', async () => {
        try {
          stepTwo(await api<Credentials>('POST', '/devices', { name: n, kind }))
        } catch (e) {
          showError(err, e, submit, ctx.signal)
        }
      })
    })
    ctx.main.replaceChildren(
      heading('Add a device'),
      h('p', { class: 'step' }, 'Step 1 of 3'),
      h('p', null, 'For Wi-Fi devices that talk MQTT. The hub makes the device its own login, so it can only report its own state. For Zigbee devices, use ', h('a', { href: '#/pairing' }, 'Zigbee pairing'), '.'),
      form,
    )
  }

  const stepTwo = (c: Credentials) => {
    const release = guardUnload(ctx.signal)
    clearOldAnnouncement()
    const h1 = heading('Save its login')
    ctx.main.replaceChildren(
      h1,
      h('p', { class: 'step' }, 'Step 2 of 3'),
      h('p', null, `“${c.name}” was added. Put these details into the device, or keep them somewhere safe until you do.`),
      credentialsPanel(c, () => {
        release()
        stepThree(c.id, c.name, c.kind)
      }),
    )
    h1.focus()
  }

  const stepThree = (id: string, name: string, kind: string) => {
    const h1 = heading('Connect the device')
    const status = h('p', { role: 'status', class: 'msg info' }, `Waiting for the first report from “${name}”…`)
    const link = isDeviceId(id) ? `#/device/${encodeURIComponent(id)}` : '#/'
    ctx.main.replaceChildren(
      h1,
      h('p', { class: 'step' }, 'Step 3 of 3'),
      h('p', null, 'Enter the details into the device and turn it on. This page tells you when the hub hears from it.'),
      h(
        'ol',
        { class: 'howto' },
        h('li', null, 'Server and port: the hub, over TLS (MQTTS).'),
        h('li', null, 'Username and client ID: the same value. Password: the token.'),
        h('li', null, 'The device publishes its state as JSON to its state topic.'),
      ),
      status,
      h('div', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/' }, 'Go to Home'), h('a', { class: 'btn', href: link }, 'Device page'), h('button', { type: 'button', onclick: stepOne }, 'Add another')),
    )
    h1.focus()
    const off = onUpdate((u) => {
      if (u.id !== id) return
      const { main } = readings(kind, u.state)
      status.className = 'msg ok'
      status.textContent = u.state ? `“${name}” is reporting${main ? `: ${main.label} ${main.value}` : ''}.` : `“${name}” is ${u.availability ?? 'connected'}.`
    })
    ctx.signal.addEventListener('abort', off)
  }

  stepOne()
}
