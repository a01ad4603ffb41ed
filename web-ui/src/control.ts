import { api, type Device } from './api.js'
import { h } from './dom.js'
import { announce, busy, errorBox, showError } from './ui.js'

type Command = { state?: 'ON' | 'OFF' | 'TOGGLE'; brightness?: number }

/**
 * Switching a device from its page: buttons for on/off/toggle and, for lights, a brightness
 * slider. Each sends `POST /devices/:id/command`; the hub validates it against the device's kind
 * and publishes it on the device's command topic. The page shows the new state when the device
 * reports it — not before, so the screen never claims a switch the device didn't make.
 */
export function controls(d: Device, signal: AbortSignal): HTMLElement {
  const err = errorBox()
  const send = (btn: HTMLButtonElement, cmd: Command, done: string) =>
    busy(btn, 'Sending…', async () => {
      err.hidden = true
      try {
        await api('POST', `/devices/${d.id}/command`, cmd)
        announce(done)
      } catch (e) {
        showError(err, e, btn, signal)
      }
    })
  const button = (label: string, cmd: Command, cls = '') => {
    const b = h('button', { type: 'button', class: cls }, label)
    b.addEventListener('click', () => void send(b, cmd, `Sent “${label}”. The state updates when the device reports.`))
    return b
  }
  const row = h('div', { class: 'actions' }, button('Turn on', { state: 'ON' }, 'primary'), button('Turn off', { state: 'OFF' }), button('Toggle', { state: 'TOGGLE' }))
  const parts: HTMLElement[] = [row]
  if (d.kind === 'light') {
    const current = typeof d.state?.brightness === 'number' ? Math.round((d.state.brightness / 254) * 100) : 100
    const slider = h('input', { type: 'range', id: `bri-${d.id}`, min: 0, max: 100, step: 1, value: current }) as HTMLInputElement
    const out = h('output', { for: slider.id }, `${current} %`)
    slider.addEventListener('input', () => (out.textContent = `${slider.value} %`))
    const set = h('button', { type: 'button' }, 'Set brightness')
    set.addEventListener('click', () => void send(set, { brightness: Math.round((Number(slider.value) / 100) * 254) }, `Brightness ${slider.value} % sent.`))
    parts.push(h('div', { class: 'field' }, h('label', { for: slider.id }, 'Brightness'), slider, out), h('div', { class: 'actions' }, set))
  }
  return h('div', { class: 'controls' }, err, ...parts)
}
