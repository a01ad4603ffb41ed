/**
 * MQTT 3.1.1 topic semantics (OASIS Standard, section 4.7), as pure functions: matching a topic
 * name against a filter, comparing two filters (does one cover the other? can they ever match
 * the same topic?), and the syntax rules for names and filters. Clause numbers are those of
 * MQTT 3.1.1 (MQTT 5 renumbers 4.7.1).
 *
 * A topic is split on `/` into levels; empty levels are real levels (`a//b` has three, `/a` has
 * two), and no normalisation is ever applied [MQTT-4.7.3-4].
 */

/** Bounds applied on top of the spec's own syntax rules. */
export interface TopicLimits {
  /** Most UTF-8 bytes in a name or filter. */
  maxLength: number
  /** Most levels (`a/b/c` has 3). */
  maxLevels: number
}

/** The spec's own bounds: 65535 bytes [MQTT-4.7.3-3], no level limit. */
export const SPEC_TOPIC_LIMITS: TopicLimits = { maxLength: 65535, maxLevels: Number.POSITIVE_INFINITY }

const isWildcard = (level: string | undefined): boolean => level === '+' || level === '#'
const isSysLevel = (level: string | undefined): boolean => level !== undefined && level.startsWith('$')

/**
 * True iff `topic` (a topic name) is matched by `filter` (a topic filter). Both are assumed
 * valid; an invalid pair never matches anything the broker would deliver anyway.
 *
 * - `+` matches exactly one level, including an empty one [MQTT-4.7.1-3].
 * - `#` matches the parent level and any number of child levels, so `a/#` matches `a`
 *   [MQTT-4.7.1-2].
 * - A filter starting with a wildcard never matches a topic starting with `$` [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  if (isWildcard(f[0]) && topic.startsWith('$')) return false // [MQTT-4.7.2-1]
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return true // [MQTT-4.7.1-2]: parent and all children
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/**
 * True iff every topic matched by filter `inner` is also matched by filter `outer` (filter
 * subsumption). `hearth/+/state` covers `hearth/abc/state`; it does not cover `hearth/#` or `#`.
 * Used to refuse a SUBSCRIBE that reaches beyond what an account was granted.
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/')
  const n = inner.split('/')
  // A literal `$…` first level only matches `$` topics, which a leading wildcard never
  // matches [MQTT-4.7.2-1]: `+/x` does not cover `$SYS/x`.
  if (isWildcard(o[0]) && isSysLevel(n[0]) && !isWildcard(n[0])) return false
  for (let i = 0; i < o.length; i++) {
    const ol = o[i]
    if (ol === '#') return true // covers this level's parent and everything below
    if (i >= n.length) return false // inner ends here; outer needs more levels
    const nl = n[i]
    if (nl === '#') return false // inner reaches any depth; outer (no `#` here) does not
    if (nl === '+') {
      if (ol !== '+') return false
    } else if (ol !== '+' && ol !== nl) return false
  }
  return o.length === n.length
}

/**
 * True iff some topic name is matched by both filters. `hearth/+/set` and `hearth/abc/#`
 * overlap (`hearth/abc/set`); `hearth/+/set` and `hearth/+/state` do not.
 */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/')
  const y = b.split('/')
  // One filter reaches only `$` topics, the other (leading wildcard) never does [MQTT-4.7.2-1].
  if ((isWildcard(x[0]) && isSysLevel(y[0]) && !isWildcard(y[0])) || (isWildcard(y[0]) && isSysLevel(x[0]) && !isWildcard(x[0])))
    return false
  const n = Math.max(x.length, y.length)
  for (let i = 0; i < n; i++) {
    const xl = x[i]
    const yl = y[i]
    if (xl === '#' || yl === '#') return true // the other filter's remainder is one such topic
    if (xl === undefined || yl === undefined) return false // different depths, no `#` to absorb it
    if (xl !== '+' && yl !== '+' && xl !== yl) return false
  }
  return true
}

/**
 * Why a string is not an acceptable topic name or filter, or `undefined` if it is.
 * Checks shared by names and filters: non-empty [MQTT-4.7.3-1], no U+0000 [MQTT-4.7.3-2]
 * [MQTT-1.5.3-2], well-formed UTF-16 so that it encodes to well-formed UTF-8 (no lone
 * surrogates) [MQTT-1.5.3-1], byte length [MQTT-4.7.3-3], level count. Control characters
 * U+0001–U+001F and U+007F–U+009F and Unicode non-characters are refused too: the spec says
 * they SHOULD NOT appear and lets a receiver close the connection (1.5.3); they only serve to
 * confuse logs and dashboards.
 */
function commonProblem(s: string, limits: TopicLimits): string | undefined {
  if (s.length === 0) return 'empty' // [MQTT-4.7.3-1]
  if (Buffer.byteLength(s, 'utf8') > limits.maxLength) return 'too long' // [MQTT-4.7.3-3]
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0) return 'contains U+0000' // [MQTT-4.7.3-2]
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return 'contains a control character'
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'ill-formed UTF-16' // [MQTT-1.5.3-1]
      const cp = s.codePointAt(i)!
      if ((cp & 0xfffe) === 0xfffe) return 'contains a non-character'
      i++
      continue
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'ill-formed UTF-16' // [MQTT-1.5.3-1]
    if ((c >= 0xfdd0 && c <= 0xfdef) || c === 0xfffe || c === 0xffff) return 'contains a non-character'
  }
  if (s.split('/').length > limits.maxLevels) return 'too many levels'
  return undefined
}

/**
 * Why `topic` is not a valid topic name (for PUBLISH), or `undefined` if it is: the common
 * rules plus no wildcard anywhere [MQTT-4.7.1-1] [MQTT-3.3.2-2].
 */
export function topicNameProblem(topic: string, limits: TopicLimits): string | undefined {
  const common = commonProblem(topic, limits)
  if (common) return common
  if (topic.includes('+') || topic.includes('#')) return 'wildcard in a topic name' // [MQTT-4.7.1-1]
  return undefined
}

/**
 * Why `filter` is not a valid topic filter (for SUBSCRIBE), or `undefined` if it is: the common
 * rules plus wildcard placement — `#` only as the whole last level [MQTT-4.7.1-2], `+` only as
 * a whole level [MQTT-4.7.1-3].
 */
export function topicFilterProblem(filter: string, limits: TopicLimits): string | undefined {
  const common = commonProblem(filter, limits)
  if (common) return common
  const levels = filter.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '# not alone as the last level' // [MQTT-4.7.1-2]
    if (level.includes('+') && level !== '+') return '+ not alone in its level' // [MQTT-4.7.1-3]
  }
  return undefined
}

/** True iff `topic` is a valid topic name within `limits` (see {@link topicNameProblem}). */
export function isValidTopicName(topic: string, limits: TopicLimits): boolean {
  return topicNameProblem(topic, limits) === undefined
}

/** True iff `filter` is a valid topic filter within `limits` (see {@link topicFilterProblem}). */
export function isValidTopicFilter(filter: string, limits: TopicLimits): boolean {
  return topicFilterProblem(filter, limits) === undefined
}
