import { api, ApiError, type SessionInfo } from './api.js'
import { hub, signedIn, type Ctx } from './app.js'
import { field, h, sentence, showPasswords } from './dom.js'
import { announce, busy, errorBox, heading, showError } from './ui.js'

const MIN_PASSWORD = 12

/** First run: setup code → owner name → password, one step at a time, then claim. */
export function setupPage(ctx: Ctx): void {
  const data = { code: '', name: '', password: '' }
  const show = (step: 1 | 2 | 3, error?: string) => {
    const err = errorBox()
    if (error) (err.hidden = false), (err.textContent = error)
    const form = h('form', { novalidate: true, 'aria-describedby': 'step-intro' })
    const back = h('button', { type: 'button', onclick: () => show((step - 1) as 1 | 2) }, 'Back')
    let title: string
    let intro: Array<Node | string>
    if (step === 1) {
      title = 'Enter the setup code'
      intro = [
        h('p', null, "Claiming makes you this hub's owner. Only someone holding the hub's setup code can do it, so nobody else on your network can take it over."),
        h('p', null, 'The code is on the label on the hub (it looks like ', h('code', null, 'AB2C-DE3F-GH4J'), '). If you set the hub up yourself, ', h('code', null, 'hearth setup-code'), ' on the hub prints it.'),
      ]
      const code = field('Setup code', { value: data.code, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', required: true, maxlength: 32 }, "Capitals, spaces and dashes don't matter.")
      if (error) code.setError(error), (err.hidden = true)
      form.append(code.wrap, err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Next')))
      form.addEventListener('submit', (e) => {
        e.preventDefault()
        data.code = code.input.value.trim()
        if (!data.code) return code.setError('Enter the setup code from the label.'), code.input.focus()
        show(2)
      })
    } else if (step === 2) {
      title = "Who's the owner?"
      intro = [h('p', null, "You'll be the hub's owner: its only account. You log in with this name and a password.")]
      const name = field('Your name', { value: data.name, autocomplete: 'username', required: true, maxlength: 64 }, 'For example, your first name.')
      form.append(name.wrap, h('div', { class: 'actions' }, back, h('button', { type: 'submit', class: 'primary' }, 'Next')))
      form.addEventListener('submit', (e) => {
        e.preventDefault()
        data.name = name.input.value.trim()
        if (!data.name) return name.setError('Enter a name.'), name.input.focus()
        show(3)
      })
    } else {
      title = 'Choose a password'
      intro = [
        h('p', null, 'At least 12 characters. A few unrelated words, like ', h('q', null, 'plum orbit kettle'), ', are easy to remember and hard to guess. The hub refuses common passwords.'),
      ]
      const user = h('input', { type: 'text', autocomplete: 'username', value: data.name, hidden: true, tabindex: -1, 'aria-hidden': 'true' })
      const pw = field('Password', { type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD, maxlength: 256 })
      const submit = h('button', { type: 'submit', class: 'primary' }, 'Claim this hub')
      form.append(user, pw.wrap, showPasswords(pw.input), err, h('div', { class: 'actions' }, back, submit))
      form.addEventListener('submit', (e) => {
        e.preventDefault()
        const password = pw.input.value
        if (password.length < MIN_PASSWORD) return pw.setError(`Use at least ${MIN_PASSWORD} characters (this one has ${password.length}).`), pw.input.focus()
        pw.setError(null)
        err.hidden = true
        void busy(submit, 'Claiming…', async () => {
          try {
            const s = await api<SessionInfo>('POST', '/claim', { setupCode: data.code, name: data.name, password })
            announce(`This hub is yours now. Welcome, ${s.name}.`)
            signedIn(s)
          } catch (e) {
            if (!(e instanceof ApiError)) return showError(err, e)
            if (e.status === 401) return show(1, "That setup code isn't right. Check the label and type it again.")
            if (e.status === 409) {
              hub.claimed = true
              err.hidden = false
              return err.replaceChildren("This hub already has an owner. ", h('a', { href: '#/login' }, 'Log in'), ' instead.')
            }
            if (e.status === 400 && /^password/i.test(e.message)) return pw.setError(sentence(e.message)), pw.input.focus()
            showError(err, e, submit, ctx.signal)
          }
        })
      })
    }
    const h1 = heading('Welcome to Hearth')
    ctx.main.replaceChildren(h1, h('p', { class: 'step' }, `Step ${step} of 3`), h('h2', null, title), h('div', { id: 'step-intro' }, intro), form)
    const first = form.querySelector<HTMLInputElement>('input:not([hidden])')
    if (step === 1 && !error) h1.focus()
    else first?.focus()
  }
  show(1)
}

/** Log in as the owner. */
export function loginPage(ctx: Ctx): void {
  const name = field('Name', { autocomplete: 'username', maxlength: 64 }, 'Optional: the hub has one owner.')
  const pw = field('Password', { type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 })
  const err = errorBox()
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in')
  const form = h('form', { novalidate: true }, name.wrap, pw.wrap, showPasswords(pw.input), err, h('div', { class: 'actions' }, submit))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const password = pw.input.value
    if (!password) return pw.setError('Enter your password.'), pw.input.focus()
    pw.setError(null)
    err.hidden = true
    const n = name.input.value.trim()
    void busy(submit, 'Logging in…', async () => {
      try {
        signedIn(await api<SessionInfo>('POST', '/session', n ? { name: n, password } : { password }, { expect401: true }))
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          err.hidden = false
          err.textContent = 'That name or password is not right.'
          pw.input.select()
          return
        }
        showError(err, e, submit, ctx.signal)
      }
    })
  })
  ctx.main.append(
    heading('Log in'),
    h('p', { class: 'lead' }, 'Log in as the owner of this hub.'),
    form,
    h(
      'details',
      null,
      h('summary', null, 'Forgot your password?'),
      h('p', null, 'On the hub itself, run ', h('code', null, 'hearth owner reset'), ". It asks for the setup code from the hub's label and a new password, and logs out every browser."),
    ),
  )
}
