import { z } from 'zod';

/** The `journal` section of the configuration file. */
export const journalConfigSchema = z.strictObject({
  retentionDays: z.number().int().min(1).max(3650).default(90),
});
