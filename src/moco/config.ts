import { z } from 'zod';
import { absolutePath, httpUrl } from '../config/fields.js';

/** The `moco` section of the configuration file. */
export const mocoConfigSchema = z.strictObject({
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
});

export type MocoConfig = z.output<typeof mocoConfigSchema>;
