import type { z } from 'zod';
import { type Config, configSchema } from '../../src/config/index.js';

/**
 * A configuration as the schema makes it: the given sections, with the schema's defaults for the
 * rest. Tests build their configurations here, so a changed key or default cannot leave them behind.
 */
export function configWith(sections: Partial<z.input<typeof configSchema>> = {}): Config {
  return configSchema.parse({ moco: { domain: 'acme' }, timezone: 'UTC', ...sections });
}
