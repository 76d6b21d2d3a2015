import { z } from 'zod';

/** The `scan` section of the configuration file: the gate's debounce and repeat guard, the tap's feedback. */
export const scanConfigSchema = z.strictObject({
  debounceMs: z.number().int().min(0).max(60_000).default(1500),
  repeatGuardSeconds: z.number().int().min(0).max(3600).default(60),
  feedbackTimeoutMs: z.number().int().min(100).max(30_000).default(2500),
  nightShift: z.enum(['off', 'split']).default('off'),
});

export type ScanConfig = z.output<typeof scanConfigSchema>;
