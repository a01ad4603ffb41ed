import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { partitions, readExt4File, run, type Partition } from '../../tools/image/disk.js'

/**
 * The disk of a booted image, looked at after the power was cut (qemu killed): what the card
 * would show in a card reader. No mount, no loop device: sfdisk -J, dd, e2fsck and dumpe2fs on a
 * copy of the data partition, cmp against the image.
 */

const MiB = 1024 * 1024

export interface DataFs {
  part: Partition
  /** The disk's size in 512-byte sectors. */
  diskSectors: number
  /** Sector after the partition's last one. */
  endSector: number
  blockCount: number
  blockSize: number
  /** e2fsck -fn after the journal was replayed: exit 0 and its summary line. */
  fsckClean: boolean
  fsckSummary: string
  /** The data partition's files (journal replayed), as debugfs would read them. */
  read(file: string): Buffer
}

/**
 * Copies partition 4 out of `disk` into `copy` (sparse), replays its journal (a power cut leaves
 * one to replay: the data partition is mounted with commit=60) and reads its superblock.
 */
export function dataFs(disk: string, copy: string): DataFs {
  const part = partitions(disk).partitions[3]!
  const diskSectors = statSync(disk).size / 512
  run('dd', [`if=${disk}`, `of=${copy}`, 'bs=1M', `skip=${part.offset / MiB}`, `count=${Math.ceil(part.bytes / MiB)}`, 'conv=sparse', 'status=none'])
  // The journal only (exit 0 or 1: "modified"), then a full check that must find nothing.
  const replay = spawnSync('e2fsck', ['-y', '-E', 'journal_only', copy], { encoding: 'utf8' })
  if (replay.status !== 0 && replay.status !== 1) throw new Error(`e2fsck journal replay failed (${replay.status}): ${replay.stdout}${replay.stderr}`)
  const fsck = spawnSync('e2fsck', ['-f', '-n', copy], { encoding: 'utf8' })
  const sb = run('dumpe2fs', ['-h', copy])
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(sb)?.[1])
  return {
    part,
    diskSectors,
    endSector: part.offset / 512 + part.bytes / 512,
    blockCount: field('Block count'),
    blockSize: field('Block size'),
    fsckClean: fsck.status === 0,
    fsckSummary: fsck.stdout.trim().split('\n').slice(-1)[0] ?? fsck.stderr.trim(),
    read: (file) => readExt4File(copy, file),
  }
}

/** True when `a` and `b` hold the same bytes in [from, to). */
export function sameBytes(a: string, b: string, from: number, to: number): boolean {
  return spawnSync('cmp', ['-s', '-n', String(to - from), '-i', `${from}:${from}`, a, b]).status === 0
}

/** The CA certificate in a hub's identity document (public data; hub.json on the data partition). */
export function caFromHubJson(json: Buffer): string {
  return (JSON.parse(json.toString('utf8')) as { data: { tls: { caCert: string } } }).data.tls.caCert
}
