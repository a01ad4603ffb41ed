/**
 * Owner password rules (EN 303 645 5.1-3, NIST SP 800-63B §5.1.1.2): at least 12 characters,
 * at most 128, not a commonly used or context-derived password. The reason is shown to the
 * person; nothing else (no composition rules).
 */
export const MIN_PASSWORD = 12
export const MAX_PASSWORD = 128

/** Frequently used passwords of 12+ characters (breach corpora), lower-cased. */
const COMMON = new Set(
  `123456789012 1234567890123 12345678901234 123456789123 password1234 password12345 passwordpassword qwertyuiopas
qwertyuiop123 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1qaz2wsx3edc 1qazxsw23edc qazwsxedcrfv zaq12wsxcde3 iloveyou1234 trustno1trustno1
letmeinletmein welcome12345 welcome123456 administrator adminadminadmin changeme1234 changemenow! football1234 baseball1234
princess1234 sunshine1234 starwars1234 monkey123456 dragon123456 master123456 superman1234 michael12345 jennifer1234
abcdefghijkl abcdefghijklm abc123abc123 aaaaaaaaaaaa 111111111111 000000000000 121212121212 123123123123 987654321098
qwertyqwerty asdfghjklasdf asdfasdfasdf zxcvbnmzxcvbnm passw0rd1234 p@ssw0rd1234 p@ssword1234 password123! password2024
password2025 password2026 correcthorsebatterystaple smarthome123 smarthome1234 homeassistant raspberrypi1 raspberry1234
internet1234 computer1234 whatever1234 nopassword12 secretpassword mysecretpassword letmein12345 iloveyou12345`
    .split(/\s+/)
    .filter(Boolean),
)

export type PasswordVerdict = { ok: true } | { ok: false; reason: string }

export function checkPassword(password: string, context: { name?: string } = {}): PasswordVerdict {
  const chars = [...password]
  if (chars.length < MIN_PASSWORD) return { ok: false, reason: `use at least ${MIN_PASSWORD} characters (a few unrelated words work well)` }
  if (chars.length > MAX_PASSWORD) return { ok: false, reason: `use at most ${MAX_PASSWORD} characters` }
  const lower = password.toLowerCase()
  if (COMMON.has(lower)) return { ok: false, reason: 'this password is on a list of commonly used passwords' }
  if (new Set(chars).size <= 3) return { ok: false, reason: 'this password repeats too few different characters' }
  if (/^(0123456789|1234567890|abcdefghij|qwertyuiop)/.test(lower)) return { ok: false, reason: 'this password is a keyboard or number sequence' }
  let rest = lower
  for (const word of ['hearth', context.name?.toLowerCase()].filter((w): w is string => !!w && w.length >= 3)) rest = rest.split(word).join('')
  if ([...rest.replace(/[^\p{L}\p{N}]/gu, '')].length < 6) return { ok: false, reason: 'this password is too close to the name of the hub or its owner' }
  return { ok: true }
}
