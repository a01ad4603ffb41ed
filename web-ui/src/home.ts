import { api, isDeviceId, type Device } from './api.js'
import type { Ctx } from './app.js'
import { h } from './dom.js'
import { availabilityText, kindLabel, readings, timeText } from './format.js'
import { onLiveStatus, onUpdate, type Update } from './live.js'
import { errorBox, heading, showError } from './ui.js'

/** The state part of a device (main value, other readings), rebuilt on every update. */
export function stateView(d: Pick<Device, 'kind' | 'state'>): Node[] {
  const { main, rest } = readings(d.kind, d.state)
  const out: Node[] = [main ? h('p', { class: 'value', 'aria-label': `${main.label}: ${main.value}` }, main.value) : h('p', { class: 'value none' }, 'No reading yet')]
  if (rest.length) out.push(h('ul', { class: 'readings' }, rest.map((r) => h('li', null, `${r.label} `, h('b', null, r.value)))))
  return out
}

/** Online/offline, or "not heard from yet"; nothing when it reports state but not availability. */
export function badge(d: Pick<Device, 'availability' | 'state'>): HTMLSpanElement {
  return h('span', { class: `badge ${d.availability ?? 'unknown'}`, hidden: !d.availability && d.state !== null }, availabilityText(d.availability))
}

function card(d: Device): { el: HTMLLIElement; update(u: Update): void } {
  const state = h('div', { class: 'state' }, stateView(d))
  const meta = h('p', { class: 'meta' }, h('span', null, kindLabel(d.kind)), badge(d))
  const updated = h('p', { class: 'updated', hidden: true })
  const el = h('li', { class: 'device', 'data-id': d.id }, h('h2', null, h('a', { href: `#/device/${encodeURIComponent(d.id)}` }, d.name)), meta, state, updated)
  return {
    el,
    update(u) {
      d.state = u.state
      d.availability = u.availability
      state.replaceChildren(...stateView(d))
      meta.lastElementChild!.replaceWith(badge(d))
      updated.hidden = false
      updated.textContent = `Updated ${timeText(new Date())}`
    },
  }
}

/** Home: every device with its live state. */
export function homePage(ctx: Ctx): void {
  const live = h('span', { class: 'live' }, 'Connecting…')
  const list = h('ul', { class: 'devices', 'aria-label': 'Devices' })
  const err = errorBox()
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading devices…'))
  ctx.main.append(
    h('div', { class: 'toolbar' }, heading('Home'), live),
    h('div', { class: 'actions top' }, h('a', { class: 'btn primary', href: '#/add' }, 'Add a device'), h('a', { class: 'btn', href: '#/pairing' }, 'Pair Zigbee')),
    err,
    body,
  )
  const cards = new Map<string, ReturnType<typeof card>>()
  let reload: ReturnType<typeof setTimeout> | null = null
  const load = async () => {
    try {
      const { devices } = await api<{ devices: Device[] }>('GET', '/devices')
      if (ctx.signal.aborted) return
      cards.clear()
      devices.sort((a, b) => a.name.localeCompare(b.name))
      list.replaceChildren(
        ...devices.filter((d) => isDeviceId(d.id)).map((d) => {
          const c = card(d)
          cards.set(d.id, c)
          return c.el
        }),
      )
      body.removeAttribute('aria-busy')
      body.replaceChildren(
        devices.length
          ? list
          : h(
              'div',
              { class: 'card empty' },
              h('h2', null, 'No devices yet'),
              h('p', null, 'Add a Wi-Fi device that speaks MQTT: the hub makes it its own login and shows you a QR code to set it up. Or pair a Zigbee device.'),
            ),
      )
    } catch (e) {
      body.replaceChildren()
      showError(err, e)
    }
  }
  void load()
  const offUpdate = onUpdate((u) => {
    const c = cards.get(u.id)
    if (c) return c.update(u)
    // A device this page doesn't know yet (added elsewhere): fetch the list again, once.
    if (!reload) reload = setTimeout(() => ((reload = null), void load()), 300)
  })
  let was = ''
  const offStatus = onLiveStatus((s) => {
    live.textContent = s === 'live' ? 'Live' : 'Connecting…'
    live.classList.toggle('on', s === 'live')
    // (Re)connected: changes made while the stream was down were missed, so fetch the list again.
    if (s === 'live' && was === 'connecting') void load()
    was = s
  })
  ctx.signal.addEventListener('abort', () => {
    offUpdate()
    offStatus()
    if (reload) clearTimeout(reload)
  })
}
