import { constants as FS, promises as fsp } from 'node:fs'
import path from 'node:path'

/**
 * The only way the hub writes a file (issue "power-loss safety"): write a temp file, fsync it,
 * keep the previous generation as `<name>.prev`, rename the temp over the target, fsync the
 * directory. After the promise resolves the bytes are on disk; a crash at any moment leaves
 * either the old or the new content under the name, never a torn mix.
 */
export async function writeFileDurable(
  file: string,
  data: string | Uint8Array,
  opts: { mode?: number; keepPrevious?: boolean } = {},
): Promise<void> {
  const mode = opts.mode ?? 0o600
  const dir = path.dirname(file)
  const tmp = `${file}.tmp-${process.pid}`
  const fh = await fsp.open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_TRUNC, mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  if (opts.keepPrevious) {
    // A hard link keeps the current generation as .prev without ever leaving the name empty.
    const prevTmp = `${file}.prev-tmp-${process.pid}`
    await fsp.rm(prevTmp, { force: true })
    try {
      await fsp.link(file, prevTmp)
      await fsp.rename(prevTmp, `${file}.prev`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  await fsp.rename(tmp, file)
  await fsyncDir(dir)
}

/** Makes a directory entry change (create, rename, unlink) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const dh = await fsp.open(dir, FS.O_RDONLY | FS.O_DIRECTORY)
  try {
    await dh.sync()
  } finally {
    await dh.close()
  }
}

/** Deletes a file and makes the deletion durable; absent files are fine. */
export async function removeDurable(file: string): Promise<void> {
  await fsp.rm(file, { force: true })
  await fsyncDir(path.dirname(file))
}

/** Overwrites a file's bytes with zeros and fsyncs before unlinking it (crypto-erase of a key). */
export async function shredFile(file: string): Promise<void> {
  try {
    const fh = await fsp.open(file, FS.O_WRONLY)
    try {
      const { size } = await fh.stat()
      await fh.write(Buffer.alloc(size), 0, size, 0)
      await fh.sync()
    } finally {
      await fh.close()
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await removeDurable(file)
}

/**
 * Streams chunks into a new file durably: a temp file (created exclusively) that is fsynced and
 * renamed into place, then the directory fsynced. `maxBytes` bounds what a source may write
 * (a download); over it, the temp file is removed and the promise rejects. Used where a file is
 * too large to hold in memory (update bundles) — the same guarantees as {@link writeFileDurable}.
 */
export async function writeStreamDurable(
  file: string,
  chunks: AsyncIterable<Uint8Array>,
  opts: { mode?: number; maxBytes?: number; onProgress?: (bytes: number) => void } = {},
): Promise<number> {
  const tmp = `${file}.tmp-${process.pid}`
  await fsp.rm(tmp, { force: true })
  const fh = await fsp.open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, opts.mode ?? 0o600)
  let bytes = 0
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) throw new RangeError(`more than ${opts.maxBytes} bytes`)
      await fh.write(chunk)
      opts.onProgress?.(bytes)
    }
    await fh.sync()
  } catch (err) {
    await fh.close()
    await fsp.rm(tmp, { force: true })
    throw err
  }
  await fh.close()
  await fsp.rename(tmp, file)
  await fsyncDir(path.dirname(file))
  return bytes
}
