import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's Chromium: the UI tests need it and fail (never skip) without it. */
export const CHROMIUM = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

interface Teardown {
  teardown(fn: () => unknown): void
}

/** What went wrong in the page, collected for the whole run. */
export interface Problems {
  consoleErrors: string[]
  pageErrors: string[]
  cspViolations: string[]
  dialogs: string[]
  /** `METHOD /path STATUS` for every response ≥ 400 (the test says which it expected). */
  httpErrors: string[]
}

export interface UiBrowser {
  browser: Browser
  page: Page
  problems: Problems
  /**
   * Saves a phone-width screenshot as `<dir>/<NN>-<name>.png` (NN counts up from 01): the whole
   * page, or just the screen (`fullPage: false`, for modal dialogs).
   */
  shot(name: string, opts?: { fullPage?: boolean }): Promise<void>
  close(): Promise<void>
}

/**
 * Headless Chromium with a fresh profile at phone size (360×740), certificate errors ignored
 * (the hub's own CA is tested elsewhere), and listeners that record console errors, uncaught
 * exceptions, CSP violations (reported from inside the page, across reloads) and JS dialogs.
 */
export async function openUi(t: Teardown, shotsDir: string): Promise<UiBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await browser.close()
  }
  t.teardown(close)
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
    serviceWorkers: 'block',
  })
  context.setDefaultTimeout(10_000)
  const problems: Problems = { consoleErrors: [], pageErrors: [], cspViolations: [], dialogs: [], httpErrors: [] }
  await context.exposeBinding('__hearthCsp', (_source, v: string) => void problems.cspViolations.push(v))
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => window.__hearthCsp(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber))`,
  })
  const page = await context.newPage()
  page.on('console', (m) => {
    if (m.type() === 'error') problems.consoleErrors.push(`${m.text()} (${m.location().url})`)
  })
  page.on('pageerror', (err) => void problems.pageErrors.push(String(err)))
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`)
    void d.dismiss()
  })
  page.on('response', (r) => {
    if (r.status() >= 400) problems.httpErrors.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`)
  })

  let shots = 0
  mkdirSync(shotsDir, { recursive: true })
  for (const f of readdirSync(shotsDir)) if (f.endsWith('.png')) unlinkSync(path.join(shotsDir, f))
  return {
    browser,
    page,
    problems,
    async shot(name, { fullPage = true } = {}) {
      // From the top, so the sticky header sits where it belongs in a full-page picture.
      if (fullPage) await page.evaluate('window.scrollTo(0, 0)')
      await page.screenshot({ path: path.join(shotsDir, `${String(++shots).padStart(2, '0')}-${name}.png`), fullPage })
    },
    close,
  }
}
