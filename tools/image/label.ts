import { deflateSync } from 'node:zlib'
import { encodeQr, type QrCode } from '../../web-ui/src/qr.js'
import type { ProvisionInfo } from '../../src/cli/provision.js'

/**
 * The label an installer sticks on a personalised hub: the setup code as text, a QR code that
 * opens the hub's setup page, and the fingerprint of the hub's CA (what the browser's certificate
 * details show as the issuer), as text, SVG and PNG (the QR code alone). The QR code comes from
 * the web UI's own encoder (web-ui/src/qr.ts): one encoder for the whole project.
 * The label holds the setup code: a secret until the hub is claimed.
 */
export type LabelInfo = Required<Pick<ProvisionInfo, 'hubId' | 'hostname' | 'setupUrl' | 'caFingerprint' | 'setupCode'>>

const QUIET = 4 // modules of white border a scanner needs (ISO/IEC 18004)

export function labelText(l: LabelInfo): string {
  return [
    `Hearth hub ${l.hostname}`,
    `  Setup code:  ${l.setupCode}`,
    `  Setup page:  ${l.setupUrl}`,
    `  Hub CA SHA-256 (check it in the browser's certificate details):`,
    `    ${l.caFingerprint}`,
    `  Hub id:      ${l.hubId}`,
    '',
  ].join('\n')
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** The dark modules as one SVG path (a 1×1 square per module). */
function qrPath(qr: QrCode, x0: number, y0: number): string {
  const d: string[] = []
  qr.modules.forEach((row, y) => row.forEach((dark, x) => dark && d.push(`M${x0 + x} ${y0 + y}h1v1h-1z`)))
  return d.join('')
}

/** An 90 mm × 50 mm label: QR code on the left, the words on the right. */
export function labelSvg(l: LabelInfo): string {
  const qr = encodeQr(l.setupUrl, 'M')
  const side = qr.size + 2 * QUIET
  // Units: QR modules; the text area is as wide again as the code plus a margin.
  const w = side * 1.8
  const h = side
  const tx = side
  const fp = l.caFingerprint.split(':')
  const half = Math.ceil(fp.length / 2)
  const lines: Array<[string, number, number, string]> = [
    [`Hearth hub ${l.hostname}`, 3.2, 5, 'bold'],
    ['Setup code', 2, 9.5, 'normal'],
    [l.setupCode, 3.6, 13.5, 'bold'],
    ['Scan, or open', 2, 18, 'normal'],
    [l.setupUrl.replace(/^https:\/\//, ''), 1.7, 20.5, 'normal'],
    ['Hub CA SHA-256', 1.7, 24.5, 'normal'],
    [fp.slice(0, half).join(':'), 1.25, 26.7, 'normal'],
    [fp.slice(half).join(':'), 1.25, 28.6, 'normal'],
  ]
  const scale = Math.min(1, side / 33)
  const text = lines
    .map(
      ([s, size, y, weight]) =>
        `<text x="${tx}" y="${(y * scale).toFixed(2)}" font-size="${(size * scale).toFixed(2)}" font-weight="${weight}">${xml(s)}</text>`,
    )
    .join('\n  ')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="90mm" height="50mm" viewBox="0 0 ${w.toFixed(2)} ${h}" role="img" aria-label="Hearth hub ${xml(l.hostname)}: setup label">`,
    `  <rect width="100%" height="100%" fill="#fff"/>`,
    `  <path fill="#000" d="${qrPath(qr, QUIET, QUIET)}"/>`,
    `  <g font-family="DejaVu Sans Mono, monospace" fill="#000">`,
    `  ${text}`,
    `  </g>`,
    `</svg>`,
    '',
  ].join('\n')
}

// PNG (RFC 2083): 8-bit greyscale, one filter byte per row, zlib data, CRC-32 per chunk.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** The QR code alone as a PNG, `px` pixels per module, with its quiet zone. */
export function qrPng(text: string, px = 8): Buffer {
  const qr = encodeQr(text, 'M')
  const side = (qr.size + 2 * QUIET) * px
  const raw = Buffer.alloc(side * (side + 1), 0xff)
  for (let y = 0; y < side; y++) {
    raw[y * (side + 1)] = 0 // filter: none
    const my = Math.floor(y / px) - QUIET
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / px) - QUIET
      if (qr.modules[my]?.[mx]) raw[y * (side + 1) + 1 + x] = 0
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(side, 0)
  ihdr.writeUInt32BE(side, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 0 // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
