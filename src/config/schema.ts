import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { caFileProblem } from '../moco/ca-file.js';
import { IDLE_STATES, OUTCOMES } from '../outcome.js';
import { isValidTimeZone, systemTimeZone } from '../time/local.js';
import { parseListen } from './listen.js';

/**
 * The one truth about configuration: types, defaults and validation come from here, and
 * config/config.example.yaml is tested against it. Every object is strict: a misspelt key
 * is an error, because a silently ignored `debounceMS` would make a time clock misbehave.
 */

const LED_NAMES = ['green', 'red', 'yellow'] as const;
const gpioPin = z.number().int().min(0).max(127);
const hexId = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{1,4}$/, 'must be a 1-4 digit hex id as lsusb prints it, e.g. "ffff"');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** Node refuses a path with a NUL byte with a TypeError; the configuration refuses it first, by name. */
const filePath = z
  .string()
  .min(1)
  .refine((path) => !path.includes('\0'), 'must not contain a NUL byte');
/**
 * Relative to what? To the working directory, the same configuration used from two directories
 * would make two databases; absolute is the only reading that cannot be wrong.
 */
const absolutePath = filePath.refine(
  (path) => isAbsolute(path),
  'must be an absolute path, e.g. /var/lib/moco-timeclock (a relative one would depend on the directory a command runs in)',
);

const moco = z.strictObject({
  domain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/i, 'must be the subdomain of mocoapp.com, e.g. "acme"')
    .nullable()
    .default(null),
  baseUrl: httpUrl.nullable().default(null),
  timeoutMs: z.number().int().min(500).max(60_000).default(5000),
  settleMs: z.number().int().min(1000).max(600_000).default(30_000),
  /**
   * `user-keys`: every badge holds its person's own API key. `impersonation`: one key of a user with
   * MOCO's Staff permission acts for each badge's user (`X-IMPERSONATE-USER-ID`).
   */
  identity: z.enum(['user-keys', 'impersonation']).default('user-keys'),
  /**
   * The Staff key's file; null: `staff.key` beside the configuration file. Under systemd the
   * credential `staff-key` (LoadCredential=) is read instead. Never the key itself: the YAML is
   * readable by the service's group.
   */
  staffKeyFile: absolutePath.nullable().default(null),
  rateLimit: z
    .strictObject({
      requests: z.number().int().min(1).max(10_000).default(120),
      perSeconds: z.number().int().min(1).max(3600).default(120),
    })
    .prefault({}),
  /**
   * A PEM file of certificates trusted beside Node's built-in ones: the root of a TLS-inspecting
   * proxy, or of a test server. Checked when the configuration is read, so a missing file stops
   * every command at once instead of every request failing later.
   */
  caFile: absolutePath
    .superRefine((path, ctx) => {
      // A path refused above is not read as well: one problem, said once.
      if (!isAbsolute(path) || path.includes('\0')) return;
      const problem = caFileProblem(path);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .nullable()
    .default(null),
  /**
   * One connection kept open between taps, so the next tap costs one round trip instead of three
   * (TCP, TLS, the request): a `GET /session` just before MOCO would close the idle connection.
   */
  keepWarm: z
    .strictObject({
      /** At most this share of `rateLimit.requests` per window; 0 turns it off. */
      share: z.number().min(0).max(0.2).default(0.03),
      /** How long MOCO keeps an idle connection open; a `Keep-Alive: timeout=N` answer lowers it. */
      idleSeconds: z.number().int().min(3).max(3600).default(60),
    })
    .prefault({}),
});

const reader = z.strictObject({
  type: z.enum(['stdin', 'serial', 'hid']).default('stdin'),
  path: filePath.nullable().default(null),
  baudRate: z.number().int().min(300).max(921_600).default(9600),
  protocol: z.enum(['rdm6300', 'line']).default('rdm6300'),
  vendorId: hexId.nullable().default(null),
  productId: hexId.nullable().default(null),
  hidDriver: z.enum(['libusb', 'hidraw']).default('libusb'),
  interKeyTimeoutMs: z.number().int().min(20).max(5000).default(200),
});

const uid = z.strictObject({
  format: z.enum(['as-read', 'hex', 'decimal']).default('as-read'),
  reverseBytes: z.boolean().default(false),
});

const scan = z.strictObject({
  debounceMs: z.number().int().min(0).max(60_000).default(1500),
  repeatGuardSeconds: z.number().int().min(0).max(3600).default(60),
  feedbackTimeoutMs: z.number().int().min(100).max(30_000).default(2500),
  nightShift: z.enum(['off', 'split']).default('off'),
});

const patternStep = z.strictObject({
  led: z.array(z.enum(LED_NAMES)).default([]),
  buzzer: z.boolean().default(false),
  ms: z.number().int().min(10).max(10_000),
});

const outputFlags = z.strictObject({
  green: z.boolean().default(false),
  red: z.boolean().default(false),
  yellow: z.boolean().default(false),
  buzzer: z.boolean().default(false),
});

const signals = z.strictObject({
  driver: z.enum(['console', 'gpio', 'none']).default('console'),
  leds: z
    .strictObject({
      green: gpioPin.nullable().default(null),
      red: gpioPin.nullable().default(null),
      yellow: gpioPin.nullable().default(null),
    })
    .prefault({}),
  buzzer: gpioPin.nullable().default(null),
  activeLow: z.union([z.boolean(), outputFlags]).default(false),
  patterns: z
    .partialRecord(z.enum([...OUTCOMES, ...IDLE_STATES]), z.array(patternStep).min(1).max(50))
    .default({}),
  selfTest: z.boolean().default(true),
});

const journal = z.strictObject({
  retentionDays: z.number().int().min(1).max(3650).default(90),
});

const log = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

const badges = z.strictObject({
  /** `local`: the badge table of this kiosk. `moco`: a custom field on MOCO's users, cached here. */
  source: z.enum(['local', 'moco']).default('local'),
  /** The name of the users' custom field, exactly as defined in MOCO's settings. */
  field: z.string().trim().min(1).max(100).default('Badge'),
  /** Changes to the field are picked up this often; all users are read again once a day. */
  syncSeconds: z.number().int().min(1).max(86_400).default(300),
});

const web = z.strictObject({
  enabled: z.boolean().default(false),
  listen: z
    .string()
    .refine((text) => parseListen(text) !== null, 'must be host:port, e.g. "127.0.0.1:8080" or "[::1]:8080"')
    .default('127.0.0.1:8080'),
  trustProxy: z.boolean().default(false),
  mocoRequests: z.number().int().min(1).max(1000).default(20),
  sessionHours: z.number().int().min(1).max(720).default(12),
});

export const configSchema = z
  .strictObject({
    moco: moco.prefault({}),
    timezone: z
      .string()
      .refine(isValidTimeZone, 'is not a known IANA time zone, e.g. "Europe/Berlin"')
      .default(() => systemTimeZone()),
    dataDir: absolutePath.default('/var/lib/moco-timeclock'),
    reader: reader.prefault({}),
    uid: uid.prefault({}),
    scan: scan.prefault({}),
    signals: signals.prefault({}),
    badges: badges.prefault({}),
    journal: journal.prefault({}),
    log: log.prefault({}),
    web: web.prefault({}),
  })
  // The checks across keys run on each section that parsed, whatever is wrong elsewhere, so that one
  // round of corrections shows every problem. A section with a wrong value is left out; one with an
  // unknown key has every known key parsed, so it is checked.
  .superRefine(
    (config, ctx) => {
      const broken = new Set(ctx.issues.filter(isValueError).map((issue) => issue.path?.[0]));
      const valid = (...sections: (keyof typeof config)[]) => sections.every((s) => !broken.has(s));
      if (valid('moco') && config.moco.settleMs < config.moco.timeoutMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['moco', 'settleMs'],
          message: `must be at least moco.timeoutMs (${config.moco.timeoutMs}): a request can land until it times out`,
        });
      }
      if (valid('moco') && config.moco.domain === null && config.moco.baseUrl === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['moco', 'domain'],
          message: 'set moco.domain or moco.baseUrl',
        });
      }
      if (
        valid('badges', 'moco') &&
        config.badges.source === 'moco' &&
        config.moco.identity !== 'impersonation'
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['badges', 'source'],
          message:
            'badges kept in MOCO hold no API keys: set moco.identity: impersonation (one Staff key acts for everyone)',
        });
      }
      if (valid('reader') && config.reader.type === 'serial' && config.reader.path === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['reader', 'path'],
          message: 'a serial reader needs a device path',
        });
      }
      if (valid('reader') && config.reader.type === 'hid' && config.reader.path === null) {
        for (const key of ['vendorId', 'productId'] as const) {
          if (config.reader[key] === null) {
            ctx.addIssue({
              code: 'custom',
              path: ['reader', key],
              message: 'a hid reader needs reader.vendorId and reader.productId, or reader.path',
            });
          }
        }
      }
      if (
        valid('web', 'moco') &&
        config.web.enabled &&
        config.web.mocoRequests > config.moco.rateLimit.requests / 2
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['web', 'mocoRequests'],
          message: `must be at most half of moco.rateLimit.requests (${config.moco.rateLimit.requests}): the taps keep the larger share`,
        });
      }
      if (valid('signals') && config.signals.driver === 'gpio') {
        for (const led of ['green', 'red'] as const) {
          if (config.signals.leds[led] === null) {
            ctx.addIssue({
              code: 'custom',
              path: ['signals', 'leds', led],
              message: 'the gpio driver needs a BCM pin number here',
            });
          }
        }
        const pins = [...Object.values(config.signals.leds), config.signals.buzzer].filter((p) => p !== null);
        if (new Set(pins).size !== pins.length) {
          ctx.addIssue({ code: 'custom', path: ['signals'], message: 'two outputs share one GPIO pin' });
        }
      }
    },
    { when: hasSections },
  );

function isValueError(issue: { code?: string }): boolean {
  return issue.code !== 'unrecognized_keys';
}

/** Whether the file is a mapping at all (unknown top-level keys aside): else there is nothing to check across. */
function hasSections(payload: z.core.ParsePayload): boolean {
  return !payload.issues.some((issue) => (issue.path?.length ?? 0) === 0 && isValueError(issue));
}

export type Config = z.infer<typeof configSchema>;
export type MocoConfig = Config['moco'];
export type ReaderConfig = Config['reader'];
export type UidConfig = Config['uid'];
export type ScanConfig = Config['scan'];
export type SignalsConfig = Config['signals'];
export type WebConfig = Config['web'];
export type BadgesConfig = Config['badges'];
