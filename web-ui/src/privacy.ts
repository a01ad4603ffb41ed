import { api, type Device } from './api.js'
import { hub, signedOut, type Ctx } from './app.js'
import { field, h, message, newId, showPasswords, type Child } from './dom.js'
import { dateText } from './format.js'
import { announce, busy, confirmDialog, errorBox, heading, showError } from './ui.js'

interface Item {
  id: string
  title: string
  what: string
  where: string
  purpose: string
  retention: string
  leavesHome: string
}
interface Consent {
  purpose: string
  granted: boolean
  detail: string
  by: string
  at: string
}
interface Receipt {
  startedAt: string
  finishedAt: string
  source: string
  erased: Record<string, number | boolean>
  regenerated: string[]
}
interface Overview {
  inventory: Item[]
  historyDays: number
  consents: Consent[]
  lastWipe: Receipt | null
}

const card = (title: string, ...children: Array<Child | Child[]>) => {
  const id = newId('s')
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children)
}

/** The receipt of a factory wipe: what was erased and when (no names, no hub id). */
function receiptView(r: Receipt): HTMLElement {
  const e = r.erased
  return h(
    'div',
    null,
    h('p', null, `Wiped ${dateText(r.finishedAt)} (asked from ${r.source}).`),
    h(
      'ul',
      { class: 'facts' },
      h('li', null, `Data key destroyed; ${e.files} files deleted.`),
      h('li', null, `${e.owner ? 'Owner account' : 'No owner account'}, ${e.devices} devices, ${e.accounts} integration accounts, ${e.historyPoints} history points, ${e.retainedMessages} stored states, ${e.consents} consent records, ${e.sessions} sessions.`),
      h('li', null, `Made anew: ${r.regenerated.join(', ')}.`),
    ),
  )
}

/** After a wipe: wait for the hub to come back in first-run state, then show the receipt. */
async function awaitReceipt(ctx: Ctx, startedAt: string): Promise<void> {
  signedOut()
  const status = h('p', { role: 'status' }, 'Wiping… the hub restarts. Keep this page open.')
  ctx.main.replaceChildren(heading('Factory wipe'), status)
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 1000))
    try {
      const r = await api<Receipt>('GET', '/wipe/receipt', undefined, { expect401: true })
      if (r.startedAt !== startedAt) continue
      hub.claimed = false
      status.replaceWith(
        message('ok', 'Everything is erased. The hub is as new.'),
        receiptView(r),
        h('p', null, 'The old setup code no longer works. Run ', h('code', null, 'hearth setup-code'), ' on the hub for the new one, then ', h('a', { href: '#/setup' }, 'set it up again'), '.'),
      )
      announce('The wipe is complete.')
      return
    } catch {
      // The hub is restarting.
    }
  }
  status.textContent = 'The hub has not come back yet. It finishes the wipe when it starts; reload this page in a minute.'
}

/** Privacy: what is kept and why, export, per-device delete, consents, factory wipe. */
export async function privacyPage(ctx: Ctx): Promise<void> {
  ctx.main.append(heading('Privacy'), h('p', { class: 'lead' }, 'Everything stays on this hub. Nothing leaves your home unless you allow it below.'))
  let o: Overview
  let devices: Device[]
  try {
    ;[o, { devices }] = await Promise.all([api<Overview>('GET', '/privacy'), api<{ devices: Device[] }>('GET', '/devices')])
  } catch (e) {
    const err = errorBox()
    showError(err, e)
    ctx.main.append(err)
    return
  }

  const inventory = card(
    'What the hub keeps, and why',
    h(
      'ul',
      { class: 'facts' },
      o.inventory.map((i) => h('li', null, h('strong', null, `${i.title}: `), `${i.what}. Why: ${i.purpose}. Kept: ${i.retention}. Leaves home: ${i.leavesHome}.`)),
    ),
  )

  const consentList = h('ul', { class: 'facts' })
  const renderConsents = () =>
    consentList.replaceChildren(
      ...(o.consents.some((c) => c.granted)
        ? o.consents
            .filter((c) => c.granted)
            .map((c) => {
              const err = errorBox()
              const stop = h('button', { type: 'button', class: 'danger' }, 'Stop')
              stop.addEventListener('click', () =>
                void busy(stop, 'Stopping…', async () => {
                  try {
                    await api('DELETE', `/privacy/consents/${c.purpose}`)
                    c.granted = false
                    renderConsents()
                    announce(`${c.purpose} stopped.`)
                  } catch (e) {
                    showError(err, e)
                  }
                }),
              )
              return h('li', null, h('strong', null, `${c.purpose}: `), `${c.detail} (allowed ${dateText(c.at)} by ${c.by}) `, stop, err)
            })
        : [h('li', null, 'Nothing. No data leaves your home.')]),
    )
  renderConsents()

  const delList = h(
    'ul',
    { class: 'facts' },
    devices.length
      ? devices.map((d) => {
          const err = errorBox()
          const del = h('button', { type: 'button', class: 'danger' }, 'Delete')
          const li = h('li', null, `${d.name} `, del, err)
          del.addEventListener('click', async () => {
            const ok = await confirmDialog({ title: `Delete ${d.name}?`, body: ['Its login, stored state and history are erased, and it is disconnected.'], confirm: 'Delete', danger: true })
            if (!ok) return
            await busy(del, 'Deleting…', async () => {
              try {
                await api('DELETE', `/devices/${d.id}`)
                li.remove()
                announce(`${d.name} deleted.`)
              } catch (e) {
                showError(err, e)
              }
            })
          })
          return li
        })
      : h('li', null, 'No devices.'),
  )

  const pw = field('Your password', { type: 'password', autocomplete: 'current-password', required: true })
  const wipeErr = errorBox()
  const wipeBtn = h('button', { type: 'submit', class: 'danger' }, 'Erase everything')
  const form = h('form', { novalidate: true }, pw.wrap, showPasswords(pw.input), wipeErr, wipeBtn)
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    pw.setError(pw.input.value ? null : 'Type your password.')
    if (!pw.input.value) return pw.input.focus()
    const sure = await confirmDialog({
      title: 'Erase everything on this hub?',
      body: ['Your account, every device, their history, consents and the hub’s keys are erased for good. Devices must be added again. This cannot be undone.'],
      confirm: 'Erase everything',
      danger: true,
    })
    if (!sure) return
    await busy(wipeBtn, 'Erasing…', async () => {
      try {
        const r = await api<{ startedAt: string }>('POST', '/wipe', { password: pw.input.value, confirm: true })
        await awaitReceipt(ctx, r.startedAt)
      } catch (e) {
        showError(wipeErr, e, wipeBtn, ctx.signal)
      }
    })
  })

  ctx.main.append(
    inventory,
    card(`History is kept ${o.historyDays} days`, h('p', null, 'Older readings are deleted automatically.')),
    card('Your data', h('p', null, h('a', { href: '/api/v1/privacy/export', download: 'hearth-export.json', class: 'button' }, 'Download my data (JSON)'))),
    card('What may leave your home', consentList),
    card('Delete a device and everything about it', delList),
    card('Factory wipe', h('p', null, 'Erases all personal data and the hub’s keys, and returns it to first-run state.'), form),
  )
  if (o.lastWipe) ctx.main.append(card('Last wipe', receiptView(o.lastWipe)))
}
