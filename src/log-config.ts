import { z } from 'zod';

/** The `log` section of the configuration file. */
export const logConfigSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});
