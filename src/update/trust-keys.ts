import type { TrustedKey } from './manifest.js'

/**
 * The release keys this build of Hearth trusts (EN 303 645 5.3-9: updates are authenticated).
 * A list, for rotation: a release signed with a new key is trusted by hubs that shipped it here
 * while the old key still signs; a later release drops the old key. The private halves never
 * enter this repository (`npm run release -- --key <file>` or HEARTH_RELEASE_KEY; see
 * docs/updates.md, "Keys").
 *
 * Deliberately NOT configurable (no config field, flag or environment variable): whoever could
 * set it could install anything. Tests build hubs that ship their own throwaway keys (they
 * rewrite this module in a test slot) or pass keys to `startHub` through its test-only deps.
 *
 * PLACEHOLDER: the key below was generated when this module was written and its private half
 * was discarded, so nothing can be signed with it. The maintainers replace it with their
 * release key(s) (`npm run release -- --keygen`) before the first release.
 */
export const RELEASE_KEYS: readonly TrustedKey[] = [
  { name: 'hearth-release-2026 (placeholder)', publicKey: 'dea79e12d3f8d03a88157cbcc1165443221d70807c460dd29b1adb81955c8a17' },
]
