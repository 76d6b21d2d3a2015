import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** Field types more than one section of the configuration uses. */

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Node refuses a path with a NUL byte with a TypeError; the configuration refuses it first, by name. */
export const filePath = z
  .string()
  .min(1)
  .refine((path) => !path.includes('\0'), 'must not contain a NUL byte');

/**
 * Relative to what? To the working directory, the same configuration used from two directories
 * would make two databases; absolute is the only reading that cannot be wrong.
 */
export const absolutePath = filePath.refine(
  (path) => isAbsolute(path),
  'must be an absolute path, e.g. /var/lib/moco-timeclock (a relative one would depend on the directory a command runs in)',
);
