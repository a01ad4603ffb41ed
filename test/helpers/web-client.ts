import https from 'node:https'

export interface WebResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: any
  text: string
}

/**
 * A tiny HTTPS client that verifies the hub's CA and keeps the session cookie and CSRF token,
 * like a browser would. `localAddress` picks the source address (127.0.0.x) to act as
 * another machine for per-address limits.
 */
export class WebClient {
  cookie: string | undefined
  csrf: string | undefined

  constructor(
    private readonly port: number,
    private readonly ca: string,
    private readonly localAddress = '127.0.0.1',
    /** Per request; the image tests' emulated board (qemu TCG) hashes a password in seconds. */
    private readonly timeoutMs = 10_000,
  ) {}

  request(method: string, path: string, body?: unknown, opts: { csrf?: string | null; headers?: Record<string, string> } = {}): Promise<WebResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = { ...(payload ? { 'content-type': 'application/json' } : {}), ...opts.headers }
    if (this.cookie) headers.cookie = this.cookie
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf
    if (csrf) headers['x-csrf-token'] = csrf
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: this.port, path, method, ca: this.ca, headers, localAddress: this.localAddress, agent: false }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (d: string) => (text += d))
        res.on('end', () => {
          const set = res.headers['set-cookie']?.[0]
          if (set) this.cookie = set.split(';')[0]!.endsWith('=') ? undefined : set.split(';')[0]
          let parsed: unknown
          try {
            parsed = text ? JSON.parse(text) : undefined
          } catch {
            parsed = undefined
          }
          if (parsed && typeof parsed === 'object' && 'csrfToken' in parsed) this.csrf = (parsed as { csrfToken: string }).csrfToken
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text })
        })
      })
      req.on('error', reject)
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`timeout: ${method} ${path} unanswered after ${this.timeoutMs} ms`)))
      if (payload) req.write(payload)
      req.end()
    })
  }

  get = (path: string) => this.request('GET', path)
  post = (path: string, body?: unknown) => this.request('POST', path, body ?? {})
}

export const GOOD_PASSWORD = 'plum orbit kettle 42'
