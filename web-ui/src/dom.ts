/**
 * The only way the UI builds DOM: elements, attributes and text nodes. Nothing here parses
 * markup, so a device called `<img src=x onerror=alert(1)>` is just text. Inline `style` and
 * `on…` attributes are refused (the CSP would block them anyway).
 */

export type Child = Node | string | number | null | undefined | false
type Listener = (ev: never) => void
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>

function setAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    if (typeof v === 'function') {
      if (!/^on[a-z]+$/.test(k)) throw new Error(`bad listener name ${k}`)
      el.addEventListener(k.slice(2), v as EventListener)
      continue
    }
    if (k === 'style' || /^on/i.test(k) || k === 'srcdoc') throw new Error(`refusing attribute ${k}`)
    el.setAttribute(k, v === true ? '' : String(v))
  }
}

export function append(el: Node, children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)))
  }
}

/** `h('p', { class: 'hint' }, 'text', child)`: an HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  setAttrs(el, attrs)
  append(el, children)
  return el
}

/** An SVG element (createElementNS). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Array<Child | Child[]>): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag)
  setAttrs(el, attrs)
  append(el, children)
  return el
}

let uid = 0
/** A fresh id for label/aria wiring. */
export const newId = (prefix: string): string => `${prefix}-${++uid}`

/** "the hub said this" → "The hub said this." */
export function sentence(s: string): string {
  const t = s.trim()
  if (!t) return t
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.')
}

/** A labelled form field with an optional hint and an error line, wired with aria-describedby. */
export interface Field {
  wrap: HTMLDivElement
  input: HTMLInputElement
  setError(message: string | null): void
}

export function field(label: string, attrs: Attrs, hint?: string | Node): Field {
  const id = newId('f')
  const hintId = hint ? `${id}-hint` : null
  const errId = `${id}-err`
  const input = h('input', { type: 'text', id, name: id, ...attrs, 'aria-describedby': hintId ?? undefined })
  const err = h('p', { id: errId, class: 'msg error', hidden: true })
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('span', { class: 'hint', id: hintId! }, hint) : null, input, err)
  return {
    wrap,
    input,
    setError(message) {
      err.textContent = message ?? ''
      err.hidden = !message
      if (message) {
        input.setAttribute('aria-invalid', 'true')
        input.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '))
      } else {
        input.removeAttribute('aria-invalid')
        if (hintId) input.setAttribute('aria-describedby', hintId)
        else input.removeAttribute('aria-describedby')
      }
    },
  }
}

/** A "Show password" checkbox that flips the given password inputs. */
export function showPasswords(...inputs: HTMLInputElement[]): HTMLLabelElement {
  const box = h('input', {
    type: 'checkbox',
    onchange: () => inputs.forEach((i) => (i.type = box.checked ? 'text' : 'password')),
  })
  return h('label', { class: 'check' }, box, inputs.length > 1 ? 'Show passwords' : 'Show password')
}

/** A message box (role=alert for errors so screen readers announce them). */
export function message(kind: 'error' | 'warn' | 'info' | 'ok', ...children: Array<Child | Child[]>): HTMLDivElement {
  return h('div', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : null }, ...children)
}

/** Copies text to the clipboard; falls back to selecting it for a manual copy. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}
