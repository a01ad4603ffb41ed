/**
 * One error type for the whole hub. Every failure has a stable code from this table; the code
 * decides the process exit status (sysexits.h) when `main` gives up, and the HTTP status when
 * it crosses the API. Never throw strings; only the composition root decides to exit.
 */
export const ERRORS = {
  HUB_ERR_USAGE: { exit: 64, http: 400 },
  HUB_ERR_CONFIG: { exit: 78, http: 500 },
  HUB_ERR_BAD_REQUEST: { exit: 65, http: 400 },
  HUB_ERR_NOT_FOUND: { exit: 66, http: 404 },
  HUB_ERR_CONFLICT: { exit: 65, http: 409 },
  HUB_ERR_UNAUTHORIZED: { exit: 77, http: 401 },
  HUB_ERR_FORBIDDEN: { exit: 77, http: 403 },
  HUB_ERR_RATE_LIMITED: { exit: 75, http: 429 },
  HUB_ERR_PORT_IN_USE: { exit: 69, http: 500 },
  HUB_ERR_LISTEN: { exit: 69, http: 500 },
  HUB_ERR_DATA_DIR: { exit: 73, http: 500 },
  HUB_ERR_DATA_DIR_OWNER: { exit: 77, http: 500 },
  HUB_ERR_KEY_FILE: { exit: 77, http: 500 },
  HUB_ERR_STORE_CORRUPT: { exit: 65, http: 500 },
  HUB_ERR_STORE_VERSION: { exit: 65, http: 500 },
  HUB_ERR_SEAL: { exit: 65, http: 500 },
  HUB_ERR_ALREADY_RUNNING: { exit: 75, http: 500 },
  HUB_ERR_NOT_RUNNING: { exit: 69, http: 503 },
  HUB_ERR_ADMIN_PROTOCOL: { exit: 76, http: 500 },
  HUB_ERR_CLAIMED: { exit: 65, http: 409 },
  HUB_ERR_FIREWALL_STATE: { exit: 65, http: 400 },
  HUB_ERR_FIREWALL_APPLY: { exit: 69, http: 503 },
  HUB_ERR_UPDATE_REFUSED: { exit: 65, http: 422 },
  HUB_ERR_UPDATE_FAILED: { exit: 70, http: 500 },
  HUB_ERR_UPDATE_UNAVAILABLE: { exit: 69, http: 503 },
  HUB_ERR_INTERNAL: { exit: 70, http: 500 },
  // Zigbee coordinator (ZNP): no answer in time; the stick is not there; the stick refused.
  HUB_ERR_ZIGBEE_TIMEOUT: { exit: 75, http: 504 },
  HUB_ERR_ZIGBEE_OFFLINE: { exit: 69, http: 503 },
  HUB_ERR_ZIGBEE_REFUSED: { exit: 69, http: 502 },
} as const satisfies Record<string, { exit: number; http: number }>

export type ErrorCode = keyof typeof ERRORS

/** The hub's only error class: a stable `code`, a one-line human `message`, optional details. */
export class HubError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HubError'
    this.code = code
    this.details = details
  }

  get exitCode(): number {
    return ERRORS[this.code].exit
  }

  get httpStatus(): number {
    return ERRORS[this.code].http
  }
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError
}

/** Wraps anything thrown into a HubError without leaking internals into its message. */
export function toHubError(err: unknown): HubError {
  if (err instanceof HubError) return err
  return new HubError('HUB_ERR_INTERNAL', 'internal error', undefined, { cause: err })
}
