import t from 'tap'
import {
  SPEC_TOPIC_LIMITS,
  filterCovers,
  filtersOverlap,
  isValidTopicFilter,
  isValidTopicName,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
} from '../../src/policy/topics.js'

// [filter, topic, matches]
const matching: Array<[string, string, boolean]> = [
  ['a/b/c', 'a/b/c', true],
  ['a/b/c', 'a/b', false],
  ['a/b', 'a/b/c', false],
  ['a/b/c', 'a/b/C', false], // no normalisation [MQTT-4.7.3-4]
  ['+', 'a', true],
  ['+', 'a/b', false],
  ['+', '', true], // an empty topic level is a level
  ['+/+', '/a', true], // leading separator makes an empty first level
  ['+', '/a', false],
  ['a/+/c', 'a/b/c', true],
  ['a/+/c', 'a//c', true],
  ['a/+/c', 'a/b/d', false],
  ['a/+', 'a', false], // `sport/+` does not match `sport` (4.7.1.3)
  ['a/+', 'a/', true], // ...but does match `sport/`
  ['#', 'a', true],
  ['#', 'a/b/c', true],
  ['#', '/', true],
  ['a/#', 'a', true], // `#` includes the parent [MQTT-4.7.1-2]
  ['a/#', 'a/b/c', true],
  ['a/#', 'ab', false],
  ['a/#', 'b/a', false],
  ['a/b/#', 'a', false],
  ['+/b/#', 'x/b', true],
  ['hearth/+/state', 'hearth/abc/state', true],
  ['hearth/+/state', 'hearth/abc/set', false],
  // [MQTT-4.7.2-1]: leading wildcards never match `$` topics
  ['#', '$SYS/broker/uptime', false],
  ['+/broker/uptime', '$SYS/broker/uptime', false],
  ['+', '$SYS', false],
  ['$SYS/#', '$SYS/broker/uptime', true],
  ['$SYS/+/uptime', '$SYS/broker/uptime', true],
  ['a/#', 'a/$x', true], // `$` only matters in the first level
]

for (const [filter, topic, expected] of matching) {
  t.test(`topicMatches(${JSON.stringify(filter)}, ${JSON.stringify(topic)}) = ${expected}`, async (t) => {
    t.equal(topicMatches(filter, topic), expected)
  })
}

// [outer, inner, covers]
const covering: Array<[string, string, boolean]> = [
  ['hearth/+/state', 'hearth/abc/state', true],
  ['hearth/+/state', 'hearth/+/state', true],
  ['hearth/+/state', 'hearth/#', false],
  ['hearth/+/state', '#', false],
  ['hearth/+/state', '+/+/state', false],
  ['hearth/+/state', 'hearth/abc/state/x', false],
  ['hearth/+/state', 'hearth/abc', false],
  ['homeassistant/#', 'homeassistant/sensor/+/config', true],
  ['homeassistant/#', 'homeassistant/#', true],
  ['homeassistant/#', 'homeassistant', true], // `a/#` matches `a`
  ['homeassistant/#', 'homeassistantx/#', false],
  ['homeassistant/#', '#', false],
  ['a/#', 'a/+', true],
  ['a/+', 'a/#', false], // `a/#` matches `a` and `a/b/c`
  ['a/b/#', 'a/#', false],
  ['a', 'a/#', false], // `a/#` also matches `a/b`
  ['#', 'a/b/c', true],
  ['#', '+/#', true],
  ['#', '#', true],
  ['+', 'a', true],
  ['+', '+', true],
  ['a', '+', false],
  ['+/+', '+/#', false],
  ['hearth/abc/set', 'hearth/+/set', false],
  ['hearth/abc/set', 'hearth/abc/set', true],
  // [MQTT-4.7.2-1]: a leading wildcard does not reach `$` topics
  ['#', '$SYS/#', false],
  ['+/uptime', '$SYS/uptime', false],
  ['$SYS/#', '$SYS/broker', true],
  ['#', '+', true],
]

for (const [outer, inner, expected] of covering) {
  t.test(`filterCovers(${JSON.stringify(outer)}, ${JSON.stringify(inner)}) = ${expected}`, async (t) => {
    t.equal(filterCovers(outer, inner), expected)
  })
}

// [a, b, overlap] — checked in both orders
const overlapping: Array<[string, string, boolean]> = [
  ['hearth/+/set', 'hearth/abc/#', true],
  ['hearth/+/set', 'hearth/+/state', false],
  ['hearth/+/set', '#', true],
  ['hearth/+/set', '+/+/+', true],
  ['hearth/+/set', '+/+', false],
  ['hearth/+/set', 'hearth/abc/set/x', false],
  ['a/#', 'a', true],
  ['a/#', 'b/#', false],
  ['a/b', 'a/b', true],
  ['a/b', 'a/c', false],
  ['a/b', 'a/b/c', false],
  ['+/b', 'a/+', true],
  ['#', '#', true],
  ['+', '#', true],
  ['#', '$SYS/#', false], // [MQTT-4.7.2-1]
  ['+/x', '$SYS/x', false],
  ['$SYS/#', '$SYS/+', true],
]

for (const [a, b, expected] of overlapping) {
  t.test(`filtersOverlap(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${expected}`, async (t) => {
    t.equal(filtersOverlap(a, b), expected)
    t.equal(filtersOverlap(b, a), expected, 'symmetric')
  })
}

t.test('covering implies overlapping, and a topic matched by inner is matched by outer', async (t) => {
  const topics = ['a', 'a/b', 'a/b/c', 'b', '/a', 'a/', '$SYS/x', 'hearth/abc/state', 'hearth/abc/set', 'homeassistant/sensor/x/config']
  for (const [outer, inner, covers] of covering) {
    if (covers) t.ok(filtersOverlap(outer, inner), `${outer} ⊇ ${inner} overlaps`)
    for (const topic of topics)
      if (covers && topicMatches(inner, topic)) t.ok(topicMatches(outer, topic), `${outer} ⊇ ${inner}: ${topic}`)
  }
})

const limits = { maxLength: 32, maxLevels: 4 }

// [name, problem or undefined]
const names: Array<[string, RegExp | undefined]> = [
  ['hearth/abc/state', undefined],
  ['/', undefined],
  ['a//b', undefined],
  ['$SYS/x', undefined], // syntactically fine; refusing it is the ACL's job
  ['température/é', undefined],
  ['', /empty/], // [MQTT-4.7.3-1]
  ['a/+/b', /wildcard/], // [MQTT-3.3.2-2]
  ['a/#', /wildcard/],
  ['a+b', /wildcard/],
  ['a\u0000b', /U\+0000/], // [MQTT-4.7.3-2]
  ['a\u001fb', /control/],
  ['a\u0085b', /control/],
  ['a\ud800b', /ill-formed/], // lone high surrogate [MQTT-1.5.3-1]
  ['a\udc00', /ill-formed/], // lone low surrogate
  ['a\uffff', /non-character/],
  ['a\ufdd0', /non-character/],
  ['a\u{1fffe}', /non-character/],
  ['a\u{1f600}', undefined], // a well-formed surrogate pair
  ['a/b/c/d', undefined],
  ['a/b/c/d/e', /levels/],
  ['x'.repeat(32), undefined],
  ['x'.repeat(33), /too long/],
  ['é'.repeat(16), undefined], // 32 bytes
  ['é'.repeat(17), /too long/], // 17 characters, but 34 bytes
]

for (const [name, problem] of names) {
  t.test(`topic name ${JSON.stringify(name)}: ${problem ?? 'valid'}`, async (t) => {
    const got = topicNameProblem(name, limits)
    if (problem) t.match(got, problem)
    else t.equal(got, undefined)
    t.equal(isValidTopicName(name, limits), problem === undefined)
  })
}

const filters: Array<[string, RegExp | undefined]> = [
  ['#', undefined],
  ['+', undefined],
  ['a/#', undefined],
  ['+/+/set', undefined],
  ['/#', undefined],
  ['a/+/b', undefined],
  ['a/#/b', /#/], // [MQTT-4.7.1-2]
  ['a#', /#/],
  ['a/b#', /#/],
  ['##', /#/],
  ['a+', /\+/], // [MQTT-4.7.1-3]
  ['a/+b/c', /\+/],
  ['++', /\+/],
  ['', /empty/],
  ['a\u0000', /U\+0000/],
  ['a/b/c/#', undefined],
  ['a/b/c/d/#', /levels/],
  ['x'.repeat(33), /too long/],
]

for (const [filter, problem] of filters) {
  t.test(`topic filter ${JSON.stringify(filter)}: ${problem ?? 'valid'}`, async (t) => {
    const got = topicFilterProblem(filter, limits)
    if (problem) t.match(got, problem)
    else t.equal(got, undefined)
    t.equal(isValidTopicFilter(filter, limits), problem === undefined)
  })
}

t.test('spec limits: 65535 bytes, unlimited levels', async (t) => {
  t.ok(isValidTopicName('a'.repeat(65535), SPEC_TOPIC_LIMITS))
  t.notOk(isValidTopicName('a'.repeat(65536), SPEC_TOPIC_LIMITS)) // [MQTT-4.7.3-3]
  t.ok(isValidTopicFilter('a/'.repeat(1000) + '#', SPEC_TOPIC_LIMITS))
})
