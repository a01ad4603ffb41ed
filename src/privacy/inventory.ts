/**
 * Every kind of personal data the hub keeps: what, where, why, for how long, and whether it
 * ever leaves the home (EN 303 645 6-1; GDPR art. 13, 30). One table: docs/privacy.md and the
 * privacy page (`GET /api/v1/privacy`) are both made from it, and a test compares them.
 * Pure data: no I/O.
 */
export interface InventoryItem {
  id: string
  title: string
  /** The fields, in plain words. */
  what: string
  /** Where it lives (files are under the data dir). */
  where: string
  purpose: string
  retention: string
  /** Whether and when it leaves the home. */
  leavesHome: string
  /** How a factory wipe deals with it. */
  wipe: string
}

export const DATA_INVENTORY: readonly InventoryItem[] = [
  {
    id: 'owner',
    title: 'Owner account',
    what: 'your name, a one-way hash of your password (argon2id), when the hub was claimed and the password last changed',
    where: 'owner.json (sealed with the data key)',
    purpose: 'so only you can log in and manage the hub',
    retention: 'until a factory wipe',
    leavesHome: 'never',
    wipe: 'crypto-erased with the data key, then deleted',
  },
  {
    id: 'devices',
    title: 'Devices',
    what: "each device's name (often a room or a person's name), kind, when it was added or its token changed, and a keyed fingerprint of its token",
    where: 'accounts.json (sealed)',
    purpose: 'so each device can connect with its own credentials and you can recognise it',
    retention: 'until you delete the device, or a factory wipe',
    leavesHome: 'only to an integration account you created (e.g. Home Assistant on your network)',
    wipe: 'crypto-erased, then deleted; every device token stops working',
  },
  {
    id: 'state',
    title: 'Current device state',
    what: 'the last report and online/offline status of each device, as retained MQTT messages, and Home Assistant discovery entries',
    where: 'broker.json (sealed), memory',
    purpose: 'so apps and the Home page show the state after a restart',
    retention: 'replaced by each new report; removed with the device',
    leavesHome: 'only with consent to the uplink',
    wipe: 'crypto-erased, then deleted',
  },
  {
    id: 'history',
    title: 'State history',
    what: "each device's reports over time (e.g. temperatures), at most one per sampling interval",
    where: 'history/ (sealed, one file per hour), memory',
    purpose: "to show a device's recent history on its page",
    retention: 'privacy.historyDays days (default 7), then deleted automatically',
    leavesHome: 'never',
    wipe: 'crypto-erased, then deleted',
  },
  {
    id: 'pairing',
    title: 'Pairing records',
    what: "Zigbee devices' radio addresses (IEEE and network address), their model, and when they joined",
    where: 'the Zigbee coordinator and its files in the data dir (sealed)',
    purpose: 'to talk to paired Zigbee devices',
    retention: 'until you delete the device, or a factory wipe',
    leavesHome: 'never',
    wipe: 'devices are told to leave, the radio network is reset (new key and PAN at the next pairing), files deleted',
  },
  {
    id: 'addresses',
    title: 'Device network addresses',
    what: 'the LAN address each Wi-Fi device last connected from',
    where: 'memory, and the firewall state in firewall/',
    purpose: 'so the host firewall opens the MQTT port to your devices only',
    retention: 'while the device exists; forgotten when it is deleted',
    leavesHome: 'never',
    wipe: 'deleted',
  },
  {
    id: 'logs',
    title: 'Logs',
    what: 'logins and failed logins with the network address they came from, devices connecting or refused, errors; never passwords, tokens, keys or setup codes',
    where: 'the system journal (stdout of the service)',
    purpose: 'to spot attacks and faults',
    retention: 'rotated by the system journal',
    leavesHome: 'never',
    wipe: 'logs under the data dir are deleted; the system journal is outside it (see docs/privacy.md)',
  },
  {
    id: 'uplink',
    title: 'Uplink credentials',
    what: 'the address, user name and password of an upstream MQTT broker you connect the hub to',
    where: 'uplink settings in the data dir (password sealed)',
    purpose: 'to bridge device state to a broker you chose',
    retention: 'until you remove the uplink, or a factory wipe',
    leavesHome: 'the credentials go only to that broker, and only while you consent to the uplink',
    wipe: 'crypto-erased, then deleted; the uplink stops',
  },
  {
    id: 'consent',
    title: 'Consent records',
    what: 'what you allowed to leave the home, to where, who decided (owner, CLI) and when; the last 200 decisions',
    where: 'consent.json (sealed)',
    purpose: 'to prove what you agreed to, and to stop a flow the moment you withdraw',
    retention: 'until a factory wipe',
    leavesHome: 'never',
    wipe: 'crypto-erased, then deleted: after a wipe nothing is allowed to leave',
  },
  {
    id: 'sessions',
    title: 'Web sessions',
    what: 'a hash of each browser session token, your name, the address it logged in from, and its times',
    where: 'memory only',
    purpose: 'to keep you logged in',
    retention: '30 minutes idle, 12 hours at most; a restart, logout or password change ends them',
    leavesHome: 'never',
    wipe: 'ended',
  },
  {
    id: 'secrets',
    title: "The hub's own secrets",
    what: 'setup code, TLS keys and certificate, token and session keys, the Zigbee network key; not about you, but whoever holds them can act as your hub',
    where: 'hub.json (sealed), data.key (0600)',
    purpose: 'to identify the hub and protect everything above',
    retention: 'for the life of the hub',
    leavesHome: 'never',
    wipe: 'the data key is overwritten and deleted first; every secret is then made anew (first-run state)',
  },
]

const cell = (s: string) => s.replace(/\|/g, '\\|')

/** The inventory as the Markdown table in docs/privacy.md. */
export function inventoryMarkdown(items: readonly InventoryItem[] = DATA_INVENTORY): string {
  const rows = items.map((i) => `| ${cell(i.title)} | ${cell(i.what)} | ${cell(i.where)} | ${cell(i.purpose)} | ${cell(i.retention)} | ${cell(i.leavesHome)} | ${cell(i.wipe)} |`)
  return ['| data | what exactly | where | why | kept for | leaves the home | factory wipe |', '|---|---|---|---|---|---|---|', ...rows].join('\n')
}
