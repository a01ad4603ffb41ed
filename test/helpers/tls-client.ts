import https from 'node:https'
import { readFileSync } from 'node:fs'
import path from 'node:path'

/** The hub's CA certificate, read from its identity document (public data). */
export function hubCa(dataDir: string): string {
  const doc = JSON.parse(readFileSync(path.join(dataDir, 'hub.json'), 'utf8')) as { data: { tls: { caCert: string } } }
  return doc.data.tls.caCert
}

/** An HTTPS request that verifies the hub's certificate against its own CA. */
export function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers, servername: 'localhost' }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.setTimeout(5000, () => req.destroy(new Error('timeout')))
  })
}
