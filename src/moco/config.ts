import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { absolutePath, httpUrl } from '../config/fields.js';
import { caFileProblem } from './ca-file.js';

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

export type MocoConfig = z.output<typeof mocoConfigSchema>;
