import { spawn } from 'node:child_process'

/** What one `nft` invocation returned. `spawnError` is set when the program could not be run at all. */
export interface NftResult {
  code: number | null
  stdout: string
  stderr: string
  /** errno code of a failed spawn (`ENOENT`: nft is not installed; `EACCES`: not executable). */
  spawnError?: string
}

/**
 * Runs `nft` with arguments and optional standard input. An interface (not a module mock) so
 * tests can run nft inside a network namespace (`ip netns exec NS nft`) or fake a failure.
 */
export type NftRunner = (args: string[], stdin?: string) => Promise<NftResult>

export interface NftRunnerOptions {
  /** The command and any prefix, e.g. `['ip', 'netns', 'exec', 'hub', 'nft']`. Default `['nft']`. */
  command?: string[]
  /** Kill nft if it has not finished after this long (a hung netlink socket must not hang the hub). */
  timeoutMs?: number
}

// `nft -j list table` of a big table is a few hundred KB; cap what we buffer from a child.
const MAX_OUTPUT = 8 * 1024 * 1024

/** The real runner: spawns nft (never through a shell: arguments are passed as a vector). */
export function nftRunner(opts: NftRunnerOptions = {}): NftRunner {
  const command = opts.command ?? ['nft']
  const timeoutMs = opts.timeoutMs ?? 15_000
  return (args, stdin) =>
    new Promise((resolve) => {
      const child = spawn(command[0]!, [...command.slice(1), ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      let settled = false
      const done = (r: NftResult) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(r)
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        done({ code: null, stdout, stderr: stderr + `\nnft timed out after ${timeoutMs} ms` })
      }, timeoutMs)
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (stdout.length < MAX_OUTPUT) stdout += d
      })
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < MAX_OUTPUT) stderr += d
      })
      child.on('error', (err: NodeJS.ErrnoException) => done({ code: null, stdout, stderr: err.message, spawnError: err.code ?? 'ESPAWN' }))
      child.on('close', (code) => done({ code, stdout, stderr }))
      child.stdin.on('error', () => {}) // EPIPE when nft exits before reading: the exit code tells
      child.stdin.end(stdin ?? '')
    })
}
