import { z } from 'zod';

/** The `badges` section of the configuration file: where the badge map is kept. */
export const badgesConfigSchema = z.strictObject({
  /** `local`: the badge table of this kiosk. `moco`: a custom field on MOCO's users, cached here. */
  source: z.enum(['local', 'moco']).default('local'),
  /** The name of the users' custom field, exactly as defined in MOCO's settings. */
  field: z.string().trim().min(1).max(100).default('Badge'),
  /** Changes to the field are picked up this often; all users are read again once a day. */
  syncSeconds: z.number().int().min(1).max(86_400).default(300),
});

export type BadgesConfig = z.output<typeof badgesConfigSchema>;
