import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { configSchema } from './schema.js';

type Def = { type: string; innerType?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType> };

/** The keys the schema knows in the object at `path` (`['moco', 'rateLimit']`); none where there is no object. */
export function keysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = configSchema;
  for (const key of path) {
    schema = shapeOf(schema)?.[String(key)];
    if (schema === undefined) return [];
  }
  return Object.keys(shapeOf(schema) ?? {});
}

/** Through defaults and nullables to the object they wrap, if any. */
function shapeOf(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | null {
  let def = schema._zod.def as Def;
  while (def.type !== 'object') {
    if (def.innerType === undefined) return null;
    def = def.innerType._zod.def as Def;
  }
  return def.shape ?? null;
}

/**
 * The known key a misspelt one most likely means: the same letters in another case (`timeoutMS`),
 * or a few letters off (`readr`, `baudrate`); null when nothing is that close.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | null = null;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (best === null || d < best.distance) best = { key: candidate, distance: d };
  }
  // A third of the letters wrong is still a typo; more is another word.
  const allowed = Math.max(1, Math.floor(key.length / 3));
  return best !== null && best.distance <= allowed ? best.key : null;
}
