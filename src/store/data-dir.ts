import { constants as FS, promises as fsp } from 'node:fs'
import path from 'node:path'
import { HubError } from '../core/errors.js'
import type { Logger } from '../core/log.js'
import { randomBytes } from './sealer.js'
import { removeDurable, writeFileDurable } from './durable-fs.js'

export const DATA_KEY_FILE = 'data.key'
const DATA_KEY_BYTES = 32

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'unknown'

/**
 * Makes sure the data dir exists, is a directory, belongs to this user, is 0700 and can be
 * written — or throws a one-line HubError that says what is wrong and what to do.
 * Never writes anything but a probe file (removed again) into a dir it did not create.
 */
export async function prepareDataDir(dir: string, log: Logger): Promise<void> {
  try {
    await makeDir(dir)
  } catch (err) {
    throw new HubError('HUB_ERR_DATA_DIR', `data dir ${dir} cannot be created (${errno(err)}): choose another with --data-dir`, { dir })
  }
  const st = await fsp.stat(dir)
  if (!st.isDirectory()) throw new HubError('HUB_ERR_DATA_DIR', `data dir ${dir} is not a directory`, { dir })
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid)
    throw new HubError(
      'HUB_ERR_DATA_DIR_OWNER',
      `data dir ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}): chown it or choose another --data-dir`,
      { dir },
    )
  const probe = path.join(dir, `.probe-${process.pid}`)
  try {
    await writeFileDurable(probe, '')
    await removeDurable(probe)
  } catch (err) {
    throw new HubError('HUB_ERR_DATA_DIR', `data dir ${dir} is not writable (${errno(err)}): fix its permissions or choose another --data-dir`, {
      dir,
    })
  }
  if ((st.mode & 0o077) !== 0) {
    await fsp.chmod(dir, 0o700)
    log.warn({ dir, mode: (st.mode & 0o777).toString(8) }, 'data dir was open to other users; set it to 0700')
  }
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir never returns on some special file
 * systems (it loops on /proc), and a data dir must fail with a clear line instead.
 */
async function makeDir(dir: string, depth = 0): Promise<void> {
  try {
    await fsp.mkdir(dir, { mode: 0o700 })
  } catch (err) {
    const code = errno(err)
    if (code === 'EEXIST') return
    const parent = path.dirname(dir)
    if (code !== 'ENOENT' || parent === dir || depth > 32) throw err
    const parentExists = await fsp.stat(parent).then(
      () => true,
      () => false,
    )
    if (parentExists) throw err
    await makeDir(parent, depth + 1)
    await fsp.mkdir(dir, { mode: 0o700 })
  }
}

/** True when the data dir holds no hub yet (first run). */
export async function isFreshDataDir(dir: string): Promise<boolean> {
  try {
    await fsp.access(path.join(dir, DATA_KEY_FILE))
    return false
  } catch {
    return true
  }
}

/**
 * Loads the data key (32 bytes, 0600), or creates it on first run. A key file that exists but
 * cannot be read, has the wrong size, or is readable by others stops the hub with a clear line.
 */
export async function loadOrCreateDataKey(dir: string, create: boolean): Promise<Uint8Array> {
  const file = path.join(dir, DATA_KEY_FILE)
  let fh: fsp.FileHandle
  try {
    fh = await fsp.open(file, FS.O_RDONLY | FS.O_NOFOLLOW)
  } catch (err) {
    if (errno(err) === 'ENOENT' && create) {
      const key = randomBytes(DATA_KEY_BYTES)
      await writeFileDurable(file, key, { mode: 0o600 })
      return key
    }
    throw new HubError('HUB_ERR_KEY_FILE', `data key ${file} cannot be read (${errno(err)}): check its owner and permissions`, { file })
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new HubError('HUB_ERR_KEY_FILE', `data key ${file} is not a regular file: restore the key file`, { file })
    if ((st.mode & 0o077) !== 0)
      throw new HubError('HUB_ERR_KEY_FILE', `data key ${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`, { file })
    const key = await fh.readFile()
    if (key.length !== DATA_KEY_BYTES)
      throw new HubError('HUB_ERR_KEY_FILE', `data key ${file} has ${key.length} bytes, expected ${DATA_KEY_BYTES}: it is damaged`, { file })
    return key
  } catch (err) {
    if (err instanceof HubError) throw err
    throw new HubError('HUB_ERR_KEY_FILE', `data key ${file} cannot be read (${errno(err)}): check its owner and permissions`, { file })
  } finally {
    await fh.close()
  }
}
