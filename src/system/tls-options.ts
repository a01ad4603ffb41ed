import type { SecureContextOptions, TlsOptions } from 'node:tls'

/**
 * One TLS policy for every listener (EN 303 645 5.5-1): TLS 1.2 and 1.3 only, forward-secret
 * AEAD suites only (TLS 1.3's suites are all AEAD), the hub's own certificate.
 */
export const TLS12_AEAD_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
].join(':')

export function tlsServerOptions(id: { cert: string; key: string }): TlsOptions & SecureContextOptions {
  return {
    key: id.key,
    cert: id.cert,
    minVersion: 'TLSv1.2',
    ciphers: TLS12_AEAD_CIPHERS,
    honorCipherOrder: true,
    ecdhCurve: 'X25519:prime256v1:secp384r1',
    // No session tickets keyed for the process lifetime: resumption via session ids only.
    sessionTimeout: 300,
  }
}
