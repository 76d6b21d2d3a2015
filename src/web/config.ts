import { z } from 'zod';
import { parseListen } from '../config/listen.js';

/** The `web` section of the configuration file: the admin pages. */
export const webConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  listen: z
    .string()
    .refine((text) => parseListen(text) !== null, 'must be host:port, e.g. "127.0.0.1:8080" or "[::1]:8080"')
    .default('127.0.0.1:8080'),
  trustProxy: z.boolean().default(false),
  mocoRequests: z.number().int().min(1).max(1000).default(20),
  sessionHours: z.number().int().min(1).max(720).default(12),
});

export type WebConfig = z.output<typeof webConfigSchema>;
