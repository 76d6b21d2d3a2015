import { z } from 'zod';
import { badgesConfigSchema } from '../directory/config.js';
import { logConfigSchema } from '../log-config.js';
import { mocoConfigSchema } from '../moco/config.js';
import { readerConfigSchema, uidConfigSchema } from '../readers/config.js';
import { scanConfigSchema } from '../scan-config.js';
import { signalsConfigSchema } from '../signals/config.js';
import { journalConfigSchema } from '../store/journal-config.js';
import { isValidTimeZone, systemTimeZone } from '../time/local.js';
import { webConfigSchema } from '../web/config.js';
import { absolutePath } from './fields.js';

/**
 * The one truth about configuration: types, defaults and validation come from here, and
 * config/config.example.yaml is tested against it. Each part owns its section, beside the code
 * that reads it; this composes them and checks what runs across sections. Every object is strict:
 * a misspelt key is an error, because a silently ignored `debounceMS` would make a time clock misbehave.
 */

export const configSchema = z
  .strictObject({
    moco: mocoConfigSchema.prefault({}),
    timezone: z
      .string()
      .refine(isValidTimeZone, 'is not a known IANA time zone, e.g. "Europe/Berlin"')
      .default(() => systemTimeZone()),
    dataDir: absolutePath.default('/var/lib/moco-timeclock'),
    reader: readerConfigSchema.prefault({}),
    uid: uidConfigSchema.prefault({}),
    scan: scanConfigSchema.prefault({}),
    signals: signalsConfigSchema.prefault({}),
    badges: badgesConfigSchema.prefault({}),
    journal: journalConfigSchema.prefault({}),
    log: logConfigSchema.prefault({}),
    web: webConfigSchema.prefault({}),
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
