import type { Device } from './api.js'
import { h } from './dom.js'

/** A Zigbee device's card on its page: no login of its own; removal makes it leave the radio network. */
export function zigbeeCard(d: Device): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'zb-h' },
    h('h2', { id: 'zb-h' }, 'Zigbee device'),
    h('dl', { class: 'kv' }, h('dt', null, 'IEEE address'), h('dd', { class: 'mono' }, d.ieee ?? '')),
    h('p', { class: 'hint' }, 'It talks to the hub over its Zigbee radio and has no login of its own. Removing it makes it leave the network.'),
  )
}
