import type { Clock } from '../core/clock.js'
import type { Config } from '../core/config-schema.js'
import type { Logger } from '../core/log.js'
import type { Store } from '../store/store.js'
import { IntegrityGuard } from './integrity-guard.js'
import type { TrustedKey } from './manifest.js'
import { UpdateService } from './service.js'
import { UPDATE_DOC } from './settings.js'
import { RELEASE_KEYS } from './trust-keys.js'

/**
 * What tests may inject into the update part, and nothing a config file, flag or environment
 * variable can reach: the keys the hub trusts are part of the program (trust-keys.ts).
 */
export interface UpdateTestDeps {
  trustedKeys?: readonly TrustedKey[]
  /** CAs for an HTTPS update source (a test server). */
  sourceCa?: string
}

export interface UpdateParts {
  service: UpdateService
  integrity: IntegrityGuard
}

/** Wires the update service and the integrity guard for the composition root. */
export async function assembleUpdates(deps: {
  config: Config
  store: Store
  appRoot: string
  installed: string
  clock: Clock
  random: () => number
  log: Logger
  restart: (reason: string) => void
  lockdown: (on: boolean) => Promise<unknown>
  publish: (topic: string, payload: string, retain: boolean) => Promise<void>
  test?: UpdateTestDeps
}): Promise<UpdateParts> {
  const trusted = deps.test?.trustedKeys ?? RELEASE_KEYS
  const doc = await deps.store.document(UPDATE_DOC, () => ({}))
  const service = new UpdateService({
    config: deps.config.update,
    dataDir: deps.config.dataDir,
    appRoot: deps.appRoot,
    installed: deps.installed,
    trusted,
    doc,
    clock: deps.clock,
    random: deps.random,
    log: deps.log.child({ module: 'update' }),
    restart: deps.restart,
    ...(deps.test?.sourceCa ? { sourceCa: deps.test.sourceCa } : {}),
  })
  const integrity = new IntegrityGuard({
    appRoot: deps.appRoot,
    trusted,
    doc,
    log: deps.log.child({ module: 'integrity' }),
    lockdown: deps.lockdown,
    publish: deps.publish,
    wallMs: () => deps.clock.wallMs(),
  })
  return { service, integrity }
}
