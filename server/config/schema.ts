import Type, { type Static } from 'typebox';

// The YAML config file, as a TypeBox schema: validation, types and error messages in one place.

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Label = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/=-]*$', maxLength: 100 });
const User = Type.String({ pattern: '^[a-z_][a-z0-9_.-]*[$]?$', maxLength: 32 });
const JumpSpec = Type.String({
  pattern:
    '^([a-z_][a-z0-9_.-]*@)?(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?(,([a-z_][a-z0-9_.-]*@)?(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?)*$',
  maxLength: 1000,
});

export const HostConfig = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 253 }),
    address: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Optional(Port),
    // Optional when the ssh_config file gives User.
    user: Type.Optional(User),
    labels: Type.Optional(Type.Array(Label)),
    identityFile: Type.Optional(Type.String({ minLength: 1 })),
    knownHosts: Type.Optional(Type.String({ minLength: 1 })),
    intervalMinutes: Type.Optional(Type.Number({ minimum: 1, maximum: 10080 })),
    // Accept the host key at the first scan and pin it in the database (only for this host).
    trustOnFirstUse: Type.Optional(Type.Boolean()),
    // Bastions, as OpenSSH's ProxyJump: "[user@]host[:port]", several comma-separated or a list.
    jump: Type.Optional(Type.Union([JumpSpec, Type.Array(JumpSpec, { minItems: 1, maxItems: 8 })])),
  },
  { additionalProperties: false },
);

export const ConfigFile = Type.Object(
  {
    listen: Type.Optional(Type.String({ pattern: '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$' })),
    database: Type.Optional(Type.String({ minLength: 1 })),
    ssh: Type.Optional(
      Type.Object(
        {
          identityFile: Type.Optional(Type.String({ minLength: 1 })),
          knownHosts: Type.Optional(Type.String({ minLength: 1 })),
          // An OpenSSH client config to read Host, HostName, User, Port, IdentityFile, ProxyJump from.
          configFile: Type.Optional(Type.String({ minLength: 1 })),
          // The identity's passphrase: the name of an environment variable, or a file holding it.
          passphraseEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
          passphraseFile: Type.Optional(Type.String({ minLength: 1 })),
          // Also offer the keys of the ssh-agent at $SSH_AUTH_SOCK.
          agent: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    scan: Type.Optional(
      Type.Object(
        {
          intervalMinutes: Type.Optional(Type.Number({ minimum: 1, maximum: 10080 })),
          // Per label, e.g. {"env=prod": 30}; a host with several takes the shortest.
          labelIntervals: Type.Optional(
            Type.Record(
              Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/=-]*$' }),
              Type.Number({ minimum: 1, maximum: 10080 }),
            ),
          ),
          // Hosts never scanned before are spread over this many seconds at start.
          startSpreadSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400 })),
          concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          connectTimeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 600 })),
          timeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 3600 })),
          maxOutputMegabytes: Type.Optional(Type.Number({ minimum: 1, maximum: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
    http: Type.Optional(
      Type.Object(
        {
          // HTTPS: PEM certificate (chain) and key files.
          tls: Type.Optional(
            Type.Object(
              { certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) },
              { additionalProperties: false },
            ),
          ),
          // Behind a reverse proxy: true, or the proxy's addresses/CIDRs (Fastify's trustProxy).
          trustProxy: Type.Optional(Type.Union([Type.Boolean(), Type.String(), Type.Array(Type.String())])),
          secureCookies: Type.Optional(Type.Enum(['auto', 'always'])),
        },
        { additionalProperties: false },
      ),
    ),
    retention: Type.Optional(
      Type.Object(
        {
          reportDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
          scanDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
        },
        { additionalProperties: false },
      ),
    ),
    hosts: Type.Optional(Type.Array(HostConfig)),
  },
  { additionalProperties: false },
);

export type ConfigFileShape = Static<typeof ConfigFile>;
