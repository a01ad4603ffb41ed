import { pino } from 'pino'
import type { Logger } from '../core/log.js'

/**
 * The one root logger, made by the composition root. Anything that looks like a secret is
 * censored by key wherever it appears in a log object (EN 303 645 5.4; STYLE.md).
 */
export const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'setupCode',
  'key',
  'keyPem',
  'networkKey',
  'authorization',
  'cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.setupCode',
  '*.key',
  '*.keyPem',
  '*.networkKey',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
]

export function createRootLogger(level: string, destination: NodeJS.WritableStream | number = 1): Logger {
  const dest = typeof destination === 'number' ? pino.destination({ fd: destination, sync: false }) : destination
  return pino(
    {
      level,
      base: { app: 'hearth' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  ) as unknown as Logger
}
