import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { Low } from 'lowdb'
import type { Logger } from '../core/log.js'
import { HubError } from '../core/errors.js'
import { DurableDocument, type DocSpec } from './document.js'
import { DATA_KEY_FILE, loadOrCreateDataKey, prepareDataDir } from './data-dir.js'
import { Sealer } from './sealer.js'

/** A lowdb database whose adapter writes durably and generationally. */
export type Doc<T> = Low<T>

/**
 * Durable first, live after: writes `next` and makes it the document's data; if the write fails
 * the data in memory stays as it was, so nothing changed anywhere.
 */
export async function commitDoc<T>(doc: Doc<T>, next: T): Promise<void> {
  const previous = doc.data
  doc.data = next
  try {
    await doc.write()
  } catch (err) {
    doc.data = previous
    throw err
  }
}

/**
 * The hub's store: one data dir (0700), one data key (0600), lowdb documents written durably,
 * secrets sealed. Everything the hub keeps on disk goes through here.
 */
export class Store {
  readonly dir: string
  readonly sealer: Sealer
  /** True when this open created the data key: a first run. */
  readonly created: boolean
  private readonly log: Logger

  private constructor(dir: string, sealer: Sealer, created: boolean, log: Logger) {
    this.dir = dir
    this.sealer = sealer
    this.created = created
    this.log = log
  }

  /**
   * Opens (or on first run creates) the store. A data dir that already holds documents but
   * lost its key is refused: sealed data can't be opened and must not be silently replaced.
   */
  static async open(dir: string, log: Logger): Promise<Store> {
    await prepareDataDir(dir, log)
    const entries = await fsp.readdir(dir)
    const hasKey = entries.includes(DATA_KEY_FILE)
    const hasDocs = entries.some((e) => /\.json(\.prev)?$/.test(e))
    if (!hasKey && hasDocs)
      throw new HubError(
        'HUB_ERR_KEY_FILE',
        `data key ${path.join(dir, DATA_KEY_FILE)} is missing but the data dir holds documents: restore the key, or wipe the data dir to start afresh`,
      )
    const key = await loadOrCreateDataKey(dir, !hasKey)
    return new Store(dir, new Sealer(key), !hasKey, log)
  }

  /**
   * Removes temp files a crash left behind. Call only once this process owns the data dir
   * (holds the admin socket): another live hub's in-flight temp files must not be touched.
   */
  async removeLeftovers(): Promise<void> {
    for (const e of await fsp.readdir(this.dir))
      if (/\.(tmp|prev-tmp)-\d+$/.test(e)) {
        await fsp.rm(path.join(this.dir, e), { force: true })
        // Startup after an unclean stop says what it repaired (issue 7: power-loss safety).
        this.log.warn({ file: e }, 'removed the temp file of a write an unclean stop interrupted')
      }
  }

  /** Opens one document, loading it (or `defaults` when it does not exist yet). */
  async document<T>(spec: DocSpec<T>, defaults: () => T): Promise<Doc<T>> {
    const db = new Low<T>(new DurableDocument<T>(this.dir, spec, this.log.child({ doc: spec.name }), this.sealer), defaults())
    await db.read()
    return db
  }

  close(): void {
    this.sealer.destroy()
  }
}
