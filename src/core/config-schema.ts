import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * Every setting of the hub, in one TypeBox schema: the TypeScript type, the validator, the
 * environment variable and flag names, and the README reference all come from here.
 * A leaf at path `mqtt.port` is `HEARTH_MQTT_PORT` in the environment and `--mqtt-port` on the
 * command line. Later sources win: defaults < config file < environment < flags.
 */
const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description })
const Host = (description: string) =>
  Type.String({ minLength: 1, maxLength: 255, pattern: '^[0-9A-Za-z.:_-]+$', default: '127.0.0.1', description })
const Count = (def: number, min: number, max: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: def, description })

// A comma-separated list: config leaves are scalars so each has an env and a flag name.
const List = (description: string) => Type.String({ maxLength: 1024, pattern: '^[0-9A-Za-z.:_,\\[\\] -]*$', default: '', description })

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      minLength: 1,
      maxLength: 200,
      default: 'data',
      description: 'Directory for all hub state (created 0700; relative paths are taken from the checkout).',
    }),
    hostname: Type.String({
      maxLength: 63,
      pattern: '^$|^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$',
      default: '',
      description: "Name the hub uses for itself and its certificate (empty: the machine's hostname).",
    }),
    log: Type.Object(
      {
        level: Type.Union(
          LOG_LEVELS.map((l) => Type.Literal(l)),
          { default: 'info', description: 'Least severe log level written.' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    mqtt: Type.Object(
      {
        host: Host('Address the MQTTS listener binds to (use 0.0.0.0 or :: for the LAN).'),
        port: Port(8883, 'MQTTS (MQTT over TLS) port; 0 picks a free port.'),
        plainPort: Port(0, 'Plain-TCP MQTT port, bound to 127.0.0.1 only; 0 disables it.'),
        maxPacketBytes: Count(65536, 256, 1048576, 'Largest MQTT packet accepted, in bytes.'),
        maxTopicLength: Count(256, 16, 65535, 'Longest topic name or filter accepted, in bytes.'),
        maxTopicLevels: Count(8, 2, 64, 'Most topic levels (separated by /) accepted.'),
        maxSubscriptionsPerClient: Count(50, 1, 10000, 'Most subscriptions one client may hold.'),
        maxInflight: Count(32, 1, 65535, 'Most inbound QoS 2 messages a client may leave awaiting PUBREL.'),
        publishRate: Count(20, 1, 100000, 'Publishes per second a client may sustain (token bucket refill).'),
        publishBurst: Count(100, 1, 100000, 'Publishes a client may send in a burst (token bucket size).'),
        connectRatePerAddress: Count(5, 1, 10000, 'CONNECT attempts per second from one address.'),
        connectBurstPerAddress: Count(20, 1, 10000, 'CONNECT attempts one address may make in a burst.'),
        connectRateTotal: Count(200, 1, 100000, 'CONNECT attempts per second in total.'),
        connectBurstTotal: Count(400, 1, 100000, 'CONNECT attempts in a burst, in total.'),
        maxClients: Count(5000, 1, 100000, 'Most simultaneously connected clients.'),
        persistIntervalMs: Count(5000, 100, 3600000, 'Retained state and sessions are written at most this often.'),
        maxQueuedMessages: Count(1000, 1, 100000, 'QoS 1/2 messages kept for one persistent session while it is away; newer ones are dropped and counted.'),
        maxQueuedBytes: Count(1048576, 1024, 67108864, 'Bytes of queued messages kept for one persistent session while it is away.'),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Host('Address the HTTPS listener binds to (use 0.0.0.0 or :: for the LAN).'),
        port: Port(8443, 'HTTPS port of the web setup and API; 0 picks a free port.'),
        redirectPort: Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: 'Plain-HTTP port that only redirects browsers to HTTPS (same address as http.host); 0: no plain-HTTP listener.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    firewall: Type.Object(
      {
        mode: Type.Union([Type.Literal('off'), Type.Literal('nft'), Type.Literal('helper')], {
          default: 'off',
          description: 'Host firewall (table inet hearth): off computes and shows it only; nft applies it in-process (needs CAP_NET_ADMIN); helper hands it to hearth-firewall.service (the image).',
        }),
        required: Type.Boolean({ default: false, description: 'A firewall that cannot be applied is an alert, not a note (the image sets this).' }),
        lanInterfaces: List('LAN-side interfaces, comma-separated; empty: every interface with an address that is not WAN-side.'),
        wanInterfaces: List('WAN-side interfaces, comma-separated: nothing new is accepted from them.'),
        dnsServers: List('Resolver addresses the box may query, comma-separated; empty: the nameservers in /etc/resolv.conf.'),
        ntpServers: List('NTP servers (addresses or names) the box may query, comma-separated.'),
        uplinkHosts: List('Uplink hosts the hub may reach: host:port or [v6]:port, comma-separated.'),
        updateHosts: List('Update hosts the hub may reach: host:port or [v6]:port, comma-separated.'),
        refreshSeconds: Count(300, 10, 86400, 'Interfaces are re-read and host names re-resolved this often.'),
      },
      { additionalProperties: false, default: {} },
    ),
    privacy: Type.Object(
      {
        historyDays: Count(7, 0, 365, 'Days of per-device state history kept; older points are deleted automatically (0 keeps none).'),
        historySampleSeconds: Count(300, 1, 86400, 'At most one history point per device per this many seconds (the latest report wins).'),
        historyFlushSeconds: Count(900, 10, 86400, 'State history is written to disk at most this often (SD-card wear).'),
      },
      { additionalProperties: false, default: {} },
    ),
    update: Type.Object(
      {
        source: Type.String({
          maxLength: 1024,
          default: '',
          description: 'Where updates come from: an HTTPS URL of a bundle, or a local bundle file or directory of bundles; empty: none configured.',
        }),
        autoCheck: Type.Boolean({ default: true, description: 'Check the source at start and about daily (the owner can turn it off or postpone it in the UI).' }),
        intervalHours: Count(24, 1, 24, 'Hours between automatic checks (less up to 10 % jitter).'),
        slotsDir: Type.String({ maxLength: 200, default: '', description: 'A/B app slots root (the image: /opt/hearth/slots); empty: this hub does not install updates.' }),
        healthDeadlineSeconds: Count(120, 10, 3600, 'Seconds a new version has to pass its health check before it is rolled back.'),
        maxBundleMegabytes: Count(512, 1, 4096, 'Largest update bundle accepted, in MiB.'),
      },
      { additionalProperties: false, default: {} },
    ),
    uplink: Type.Object(
      {
        url: Type.String({
          maxLength: 255,
          pattern: '^$|^mqtts://[0-9A-Za-z.:\\[\\]_-]+(:[0-9]{1,5})?$',
          default: '',
          description: 'Remote MQTT broker for the optional uplink (mqtts://host:port, TLS only); empty: no uplink. Enabling it is the owner\'s decision (web UI or hearth uplink enable).',
        }),
        topics: Type.String({
          maxLength: 1024,
          pattern: '^[0-9A-Za-z/+#_, -]*$',
          default: 'hearth/+/state',
          description: 'Local topic filters forwarded, comma-separated; only device state and availability may be named.',
        }),
        remotePrefix: Type.String({
          maxLength: 128,
          pattern: '^[0-9A-Za-z/_-]*$',
          default: '',
          description: 'Topic prefix on the remote broker (empty: hearth-hubs/<hubId>); commands come back on <prefix>/hearth/<id>/set.',
        }),
        keepaliveSeconds: Count(60, 5, 3600, 'MQTT keepalive towards the remote broker; a dead route is noticed within 1.5× this.'),
        queueMaxMessages: Count(1000, 1, 100000, 'Most messages held for the remote while it is unreachable (oldest dropped first).'),
        queueMaxBytes: Count(1048576, 1024, 67108864, 'Most bytes held for the remote while it is unreachable (oldest dropped first).'),
        persistIntervalMs: Count(60000, 100, 3600000, 'The uplink queue is written to disk at most this often.'),
        backoffBaseMs: Count(1000, 10, 600000, 'First reconnect delay towards the remote (decorrelated jitter grows it).'),
        backoffCapMs: Count(120000, 100, 3600000, 'Longest reconnect delay towards the remote.'),
      },
      { additionalProperties: false, default: {} },
    ),
    zigbee: Type.Object(
      {
        port: Type.String({
          maxLength: 255,
          default: '',
          description: 'Z-Stack coordinator: a serial path or tcp://host:port; empty runs without Zigbee.',
        }),
        pairingSeconds: Count(60, 1, 254, 'Length of a pairing window when none is given, in seconds (at most 254; never "forever").'),
        strictInstallCodes: Type.Boolean({ default: false, description: 'Only devices with a registered install code may join (install-code-only trust center).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    hid: Type.Object(
      {
        button: Type.Object(
          {
            enabled: Type.Boolean({
              default: true,
              description: "Use the hub's own USB HID button (allow-listed devices only); with none attached the hub runs and says so.",
            }),
            holdSeconds: Count(10, 10, 30, 'Holding the button this long starts the factory-wipe flow; a shorter press opens pairing.'),
            extraDevices: List('More buttons to accept besides the built-in list: vid:pid in hex (e.g. 1209:a001), comma-separated; read as USB boot-keyboard reports.'),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
)

export type Config = Static<typeof ConfigSchema>

/** One configurable leaf: its dotted path, schema, and names in the environment and on the CLI. */
export interface ConfigLeaf {
  path: string[]
  key: string
  env: string
  flag: string
  schema: TSchema
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
const snake = (s: string) => kebab(s).replace(/-/g, '_').toUpperCase()

/** Every leaf of the schema, in declaration order. */
export function configLeaves(schema: TSchema = ConfigSchema, prefix: string[] = []): ConfigLeaf[] {
  const out: ConfigLeaf[] = []
  for (const [name, sub] of Object.entries((schema as unknown as { properties: Record<string, TSchema> }).properties)) {
    const path = [...prefix, name]
    if ((sub as { type?: string }).type === 'object') out.push(...configLeaves(sub, path))
    else
      out.push({
        path,
        key: path.join('.'),
        env: 'HEARTH_' + path.map(snake).join('_'),
        flag: '--' + path.map(kebab).join('-'),
        schema: sub,
      })
  }
  return out
}
