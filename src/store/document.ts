import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { HubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import { decodeEnvelope, encodeEnvelope } from './envelope.js'
import { writeFileDurable } from './durable-fs.js'
import type { Sealer } from './sealer.js'

/** How a document is stored: its file name, current schema version and the steps to reach it. */
export interface DocSpec<T> {
  name: string
  schema: number
  /** `migrations[n]` turns a version-n document into version n+1. */
  migrations?: Record<number, (data: unknown) => unknown>
  /** A last check of the loaded data's shape; false makes the generation count as damaged. */
  check?: (data: unknown) => data is T
  /**
   * Personal data: the whole file is sealed under the data key, so destroying the key
   * crypto-erases it, including copies the flash keeps in blocks the file system let go of.
   */
  sealed?: boolean
}

type Attempt<T> = { kind: 'ok'; schema: number; data: T; plain?: boolean } | { kind: 'missing' } | { kind: 'bad'; reason: string }

/**
 * A lowdb adapter with durable, generational writes (ARCHITECTURE.md "Storage").
 * - write: snapshot at call time, serialised and coalesced; resolves once durable on disk.
 * - read: the current generation, else the previous one; a damaged file is moved aside, never
 *   overwritten; with no valid generation the hub refuses to start and says which file.
 */
export class DurableDocument<T> {
  readonly file: string
  private readonly spec: DocSpec<T>
  private readonly log: Logger
  private pending: string | undefined
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  private running: Promise<void> | undefined

  private readonly sealer: Sealer | undefined

  constructor(dir: string, spec: DocSpec<T>, log: Logger, sealer?: Sealer) {
    this.file = path.join(dir, spec.name)
    this.spec = spec
    this.log = log
    this.sealer = spec.sealed ? sealer : undefined
  }

  async read(): Promise<T | null> {
    const current = await this.attempt(this.file)
    if (current.kind === 'ok') {
      const data = await this.upgrade(current.schema, current.data)
      // A document stored before it was sealed: seal it now, and drop the plain generation.
      if (current.plain && this.sealer) {
        await this.write(data)
        await fsp.rm(`${this.file}.prev`, { force: true })
      }
      return data
    }
    const previous = await this.attempt(`${this.file}.prev`)
    if (previous.kind === 'ok') {
      if (current.kind === 'bad') {
        const aside = `${this.file}.damaged-${Date.now()}`
        await fsp.rename(this.file, aside)
        this.log.warn({ file: this.file, reason: current.reason, keptAs: aside }, 'store document damaged; loaded the previous generation')
      } else {
        this.log.warn({ file: this.file }, 'store document missing; loaded the previous generation')
      }
      const data = await this.upgrade(previous.schema, previous.data)
      await this.write(data)
      return data
    }
    if (current.kind === 'missing' && previous.kind === 'missing') return null
    const reason = current.kind === 'bad' ? current.reason : 'missing'
    throw new HubError(
      'HUB_ERR_STORE_CORRUPT',
      `store document ${this.file} is damaged (${reason}) and has no valid previous generation: restore it from a backup, or move it aside to start that part afresh`,
      { file: this.file },
    )
  }

  write(data: T): Promise<void> {
    const text = encodeEnvelope(this.spec.schema, data)
    this.pending = this.sealer ? `${this.sealer.seal(text)}\n` : text
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      this.running ??= this.drain()
    })
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const text = this.pending
      const waiters = this.waiters
      this.pending = undefined
      this.waiters = []
      try {
        await writeFileDurable(this.file, text, { keepPrevious: true })
        for (const w of waiters) w.resolve()
      } catch (err) {
        for (const w of waiters) w.reject(err)
      }
    }
    this.running = undefined
  }

  private async attempt(file: string): Promise<Attempt<T>> {
    let text: string
    try {
      text = await fsp.readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' }
      throw new HubError('HUB_ERR_DATA_DIR', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, { file })
    }
    const plain = !text.startsWith('sb1.')
    if (!plain) {
      if (!this.sealer) return { kind: 'bad', reason: 'sealed, and this document is not opened with a key' }
      try {
        text = this.sealer.openText(text.trim())
      } catch {
        return { kind: 'bad', reason: 'sealed with another data key, or damaged' }
      }
    }
    const decoded = decodeEnvelope<T>(text)
    if (!decoded.ok) return { kind: 'bad', reason: decoded.reason }
    if (decoded.schema > this.spec.schema)
      throw new HubError(
        'HUB_ERR_STORE_VERSION',
        `store document ${file} has schema ${decoded.schema}, newer than this Hearth understands (${this.spec.schema}): run the newer version`,
        { file },
      )
    return { kind: 'ok', schema: decoded.schema, data: decoded.data, plain }
  }

  private async upgrade(schema: number, data: T): Promise<T> {
    let out: unknown = data
    for (let v = schema; v < this.spec.schema; v++) {
      const step = this.spec.migrations?.[v]
      if (!step) throw new HubError('HUB_ERR_STORE_VERSION', `no migration for ${this.file} from schema ${v}`, { file: this.file })
      out = step(out)
    }
    if (this.spec.check && !this.spec.check(out))
      throw new HubError('HUB_ERR_STORE_CORRUPT', `store document ${this.file} does not have the expected shape: restore it from a backup`, {
        file: this.file,
      })
    if (schema !== this.spec.schema) {
      this.log.info({ file: this.file, from: schema, to: this.spec.schema }, 'store document migrated')
      await this.write(out as T)
    }
    return out as T
  }
}
