import { api, ApiError, isDeviceId, type Credentials, type Device } from './api.js'
import { zigbeeCard } from './zigbee.js'
import { go, type Ctx } from './app.js'
import { field, h, message } from './dom.js'
import { COMMANDABLE, dateText, kindLabel, timeText } from './format.js'
import { badge, stateView } from './home.js'
import { controls } from './control.js'
import { onLiveStatus, onUpdate } from './live.js'
import { announce, busy, clearOldAnnouncement, confirmDialog, credentialsPanel, errorBox, heading, showError } from './ui.js'

/** One device: live state, rename, rotate its token, remove it. */
export function devicePage(ctx: Ctx): void {
  const id = ctx.params[0] ?? ''
  const h1 = heading('Device')
  ctx.main.append(h1)
  if (!isDeviceId(id)) {
    ctx.main.append(message('error', h('p', null, 'There is no such device. ', h('a', { href: '#/' }, 'Back to Home'), '.')))
    return
  }
  const err = errorBox()
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'))
  ctx.main.append(err, body)
  api<Device>('GET', `/devices/${id}`).then(
    (d) => !ctx.signal.aborted && render(d),
    (e) => {
      body.replaceChildren()
      if (e instanceof ApiError && e.status === 404) {
        err.hidden = false
        err.replaceChildren('This device no longer exists. ', h('a', { href: '#/' }, 'Back to Home'), '.')
      } else showError(err, e)
    },
  )

  const render = (d: Device) => {
    const setName = (name: string) => {
      d.name = name
      h1.textContent = name
      document.title = `${name} · Hearth`
    }
    setName(d.name)
    body.removeAttribute('aria-busy')

    // Now: the live state.
    const state = h('div', { class: 'state' }, stateView(d))
    const meta = h('p', { class: 'meta' }, h('span', null, kindLabel(d.kind)), badge(d))
    const updated = h('p', { class: 'updated' }, 'Live: changes show here as the device reports them.')
    const now = h(
      'section',
      { class: 'card', 'aria-labelledby': 'now-h' },
      h('h2', { id: 'now-h' }, 'Now'),
      meta,
      state,
      updated,
      COMMANDABLE.has(d.kind) ? controls(d, ctx.signal) : null,
    )
    const show = (u: Pick<Device, 'state' | 'availability'>) => {
      d.state = u.state
      d.availability = u.availability
      state.replaceChildren(...stateView(d))
      meta.lastElementChild!.replaceWith(badge(d))
    }
    const off = onUpdate((u) => {
      if (u.id !== d.id) return
      show(u)
      updated.textContent = `Last report ${timeText(new Date())}.`
    })
    // (Re)connected: fetch the state again, in case a change came while the stream was down.
    let was = ''
    const offStatus = onLiveStatus((s) => {
      if (s === 'live' && was === 'connecting') api<Device>('GET', `/devices/${d.id}`).then(show, () => undefined)
      was = s
    })
    ctx.signal.addEventListener('abort', () => (off(), offStatus()))

    // Rename.
    const name = field('Device name', { value: d.name, autocomplete: 'off', required: true, maxlength: 64 })
    const renameErr = errorBox()
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save name')
    const rename = h('form', { novalidate: true }, name.wrap, renameErr, h('div', { class: 'actions' }, save))
    rename.addEventListener('submit', (e) => {
      e.preventDefault()
      const n = name.input.value.trim()
      name.setError(n ? null : 'The name cannot be empty.')
      if (!n) return name.input.focus()
      if (n === d.name) return announce('The name is unchanged.')
      renameErr.hidden = true
      void busy(save, 'Saving…', async () => {
        try {
          const updatedDevice = await api<Device>('PATCH', `/devices/${d.id}`, { name: n })
          setName(updatedDevice.name)
          announce(`Renamed to “${updatedDevice.name}”.`)
        } catch (e) {
          showError(renameErr, e, save, ctx.signal)
        }
      })
    })

    // Rotate the token.
    const credsErr = errorBox()
    const rotateBtn = h('button', { type: 'button' }, 'Get a new token…')
    const creds = h(
      'section',
      { class: 'card', 'aria-labelledby': 'creds-h' },
      h('h2', { id: 'creds-h' }, 'Device login'),
      h('dl', { class: 'kv' }, h('dt', null, 'Username'), h('dd', { class: 'mono' }, d.id), h('dt', null, 'Added'), h('dd', null, dateText(d.createdAt))),
      h('p', { class: 'hint' }, "If the token may have leaked, or you've lost it, get a new one. The old token stops working at once."),
      credsErr,
      h('div', { class: 'actions' }, rotateBtn),
    )
    const credsChildren = [...creds.childNodes]
    rotateBtn.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Get a new token?',
        body: [`“${d.name}” is disconnected now and can't connect again until you enter the new token into it.`],
        confirm: 'Get a new token',
      })
      if (!ok) return rotateBtn.focus()
      credsErr.hidden = true
      try {
        const c = await api<Credentials>('POST', `/devices/${d.id}/rotate`)
        const warn = (e: BeforeUnloadEvent) => e.preventDefault()
        window.addEventListener('beforeunload', warn)
        ctx.signal.addEventListener('abort', () => window.removeEventListener('beforeunload', warn))
        clearOldAnnouncement()
        const title = h('h2', { id: 'creds-h', tabindex: -1 }, 'New token')
        creds.replaceChildren(
          title,
          credentialsPanel(c, () => {
            window.removeEventListener('beforeunload', warn)
            creds.replaceChildren(...credsChildren)
            announce('The new token is in use. Enter it into the device.')
            rotateBtn.focus()
          }),
        )
        title.focus()
      } catch (e) {
        showError(credsErr, e, rotateBtn, ctx.signal)
      }
    })

    // Remove.
    const removeErr = errorBox()
    const removeBtn = h('button', { type: 'button', class: 'danger' }, 'Remove device…')
    removeBtn.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: `Remove “${d.name}”?`,
        body: ['Its login and token are deleted and it is disconnected at once. Its last state is forgotten. To use it again, add it again.'],
        confirm: 'Remove',
        danger: true,
      })
      if (!ok) return removeBtn.focus()
      removeErr.hidden = true
      try {
        await api('DELETE', `/devices/${d.id}`)
        announce(`Removed “${d.name}”.`)
        go('#/')
      } catch (e) {
        showError(removeErr, e, removeBtn, ctx.signal)
      }
    })

    body.replaceChildren(
      now,
      h('section', { class: 'card', 'aria-labelledby': 'name-h' }, h('h2', { id: 'name-h' }, 'Name'), rename),
      d.transport === 'zigbee' ? zigbeeCard(d) : creds,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'rm-h' },
        h('h2', { id: 'rm-h' }, 'Remove'),
        h('p', { class: 'hint' }, 'Removing deletes its login and disconnects it.'),
        removeErr,
        h('div', { class: 'actions' }, removeBtn),
      ),
    )
  }
}
