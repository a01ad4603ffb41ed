import { configReference } from '../core/config.js'

export const USAGE = `hearth — a security-first smart-home hub

Usage: hearth <command> [options]

Commands:
  run                 start the hub (what \`npm start\` does)
  status              show the running hub: id, version, listeners, certificate fingerprint
  setup-code          show the one-time setup code while the hub is unclaimed
                      (provisions a fresh data dir first, so installers can print labels)
  device add NAME --kind KIND    add an MQTT device; prints its id and token (shown once)
  device list | kinds            the devices; the kinds of device and their state fields
  device remove ID | rotate ID   remove a device / give it a new token (the old one stops at once)
  account add NAME --role integration|custom [--allow-pub F]... [--allow-sub F]...
                                 [--deny-pub F]... [--deny-sub F]...
                                 an integration (Home Assistant, Node-RED) or custom account
  account list | remove NAME | rotate NAME
  pair [--seconds N]  open Zigbee pairing for N seconds (1-254; default zigbee.pairingSeconds)
  pair status | close the pairing countdown and recent security alerts / close pairing now
  pair install-code IEEE CODE    register a Zigbee device's install code (CRC-checked)
  policy show         the host firewall: in force or not, each rule with the reason for it
  update status       installed version and its integrity, available update and what it fixes,
                      the last update's outcome (rolled back: why)
  update check        look at update.source now (verifies, installs nothing)
  update apply [BUNDLE] [--allow-downgrade]
                      verify and install BUNDLE (or the available update) into the other slot,
                      restart into it; rolled back if its health check fails
  update auto on|off | postpone DAYS    automatic checks
  update ack          acknowledge an integrity alert (lifts the network lockdown)
  firewall-apply      (hearth-firewall.service only) apply the state the hub wrote; needs CAP_NET_ADMIN
  wipe --yes          factory wipe: erase every personal data and secret, back to first-run state
  uplink status | disable        the optional uplink to a remote MQTT broker; disable withdraws consent at once
  uplink enable --username NAME [--ca-file PEM]
                                 turn it on (password on stdin; records the owner's consent)
  provision [label]   make (or open) the hub's identity without starting it (the SD
                      image's first boot); with label also the setup code, for a card's label
  owner reset         set a new owner password with the setup code (read from stdin); ends web sessions
  help                show this help

Options for every command:
  --data-dir DIR      the hub's data directory (env HEARTH_DATA_DIR; default ./data in the checkout)
  --config FILE       a JSON config file (env HEARTH_CONFIG; default <data-dir>/config.json if present)
  --json              machine-readable output on stdout
  --help              show this help

Exit status: 0 ok; 64 usage; 65 bad data; 69 unavailable (e.g. port in use, hub not running);
73 cannot create; 75 temporary; 77 permission; 78 configuration error.
`

/** The full configuration reference, generated from the schema (the README shows the same). */
export function configHelp(): string {
  const rows = configReference().map((r) => `  ${r.flag.padEnd(34)} ${r.env.padEnd(40)} default ${JSON.stringify(r.default)}\n      ${r.description}`)
  return `Settings (flag, environment variable, default):\n${rows.join('\n')}\n`
}
