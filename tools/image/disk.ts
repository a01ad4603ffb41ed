import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readSync, readdirSync, lstatSync } from 'node:fs'
import path from 'node:path'

/**
 * Disk-image helpers for the SD image tools and tests: read the partition table, read files from
 * an ext4 partition inside the image, build an ext4 partition from a folder — all without a loop
 * device or a mount (sfdisk, debugfs with `?offset=`, mkfs.ext4 -d, dd conv=notrunc).
 */

export interface Partition {
  /** 1-based, as in /dev/mmcblk0p<n>. */
  n: number
  /** In bytes from the start of the image. */
  offset: number
  bytes: number
  type: string
  bootable: boolean
}

const SECTOR = 512

/** Runs a tool; a failure throws with the tool's own message. */
export function run(cmd: string, args: string[], input?: string | Buffer): string {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 28 })
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.toString().trim().slice(-500)}`)
  return r.stdout.toString('latin1')
}

/** The image's partitions, from `sfdisk -J`. */
export function partitions(image: string): { label: string; id: string; partitions: Partition[] } {
  const t = (JSON.parse(run('sfdisk', ['-J', image])) as { partitiontable: { label: string; id: string; sectorsize?: number; partitions: Array<{ node: string; start: number; size: number; type: string; bootable?: boolean }> } })
    .partitiontable
  const sector = t.sectorsize ?? SECTOR
  return {
    label: t.label,
    id: t.id,
    partitions: t.partitions.map((p, i) => ({ n: i + 1, offset: p.start * sector, bytes: p.size * sector, type: p.type, bootable: p.bootable === true })),
  }
}

/** The volume label of the ext4 file system at `offset`, or null when there is none (superblock magic 0xEF53). */
export function ext4Label(image: string, offset: number): string | null {
  const sb = Buffer.alloc(1024)
  const fd = openSync(image, 'r')
  try {
    readSync(fd, sb, 0, 1024, offset + 1024)
  } finally {
    closeSync(fd)
  }
  if (sb.readUInt16LE(0x38) !== 0xef53) return null
  return sb.subarray(0x78, 0x88).toString('latin1').replace(/\0.*$/s, '')
}

/** A debugfs device spec for the file system at `offset` inside `image`. */
export const ext4At = (image: string, offset: number) => `${image}?offset=${offset}`

/** Runs debugfs requests (read-only unless `write`) against the file system at `spec`. */
export function debugfs(spec: string, requests: string[], write = false): string {
  return run('debugfs', [...(write ? ['-w'] : []), '-f', '-', spec], requests.join('\n') + '\n')
}

/** A file's bytes from an ext4 file system (debugfs `cat`). */
export function readExt4File(spec: string, file: string): Buffer {
  return Buffer.from(run('debugfs', ['-R', `cat ${file}`, spec]), 'latin1')
}

/**
 * Builds an ext4 file system of `bytes` from `dir` into `file` (label `label`), every inode
 * owned by uid:gid and the root directory 0700 — set with debugfs, so this needs no root.
 */
export function ext4FromDir(dir: string, file: string, opts: { bytes: number; label: string; uid: number; gid: number }): void {
  run('mkfs.ext4', ['-q', '-F', '-L', opts.label, '-m', '0', '-E', `root_owner=${opts.uid}:${opts.gid}`, '-d', dir, file, `${Math.floor(opts.bytes / 1024)}k`])
  // mkfs.ext4 -d does not carry the root directory's mode over: the hub's data dir is 0700.
  const requests: string[] = ['set_inode_field / mode 040700']
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel))) {
      const r = `${rel}/${e}`
      requests.push(`set_inode_field ${r} uid ${opts.uid}`, `set_inode_field ${r} gid ${opts.gid}`)
      if (lstatSync(path.join(dir, r)).isDirectory()) walk(r)
    }
  }
  walk('')
  debugfs(file, requests, true)
}

/** Writes `file` into `image` at `offset` bytes, in place (dd conv=notrunc), keeping holes. */
export function writeAt(image: string, file: string, offset: number): void {
  if (offset % (1024 * 1024) !== 0) throw new Error(`offset ${offset} is not MiB-aligned`)
  run('dd', [`if=${file}`, `of=${image}`, 'bs=1M', `seek=${offset / (1024 * 1024)}`, 'conv=notrunc,sparse', 'status=none'])
}
