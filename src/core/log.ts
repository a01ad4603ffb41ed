/**
 * The logging interface every part receives (a pino logger satisfies it). Objects first, message
 * second: `log.warn({ clientId, code }, 'publish denied')`. No module creates its own root logger.
 */
export interface LogFn {
  (obj: object, msg?: string): void
  (msg: string): void
}

export interface Logger {
  fatal: LogFn
  error: LogFn
  warn: LogFn
  info: LogFn
  debug: LogFn
  trace: LogFn
  child(bindings: Record<string, unknown>): Logger
}

const noop = () => {}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger,
}
