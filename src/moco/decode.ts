import { z } from 'zod';
import type { Presence, Profile, Session } from './types.js';

/**
 * Shapes of MOCO's answers. Loose objects: MOCO adds fields over time and we keep them; only the
 * fields the daemon relies on are checked.
 */
const userRef = z.looseObject({ id: z.number().int(), firstname: z.string(), lastname: z.string() });

export const presenceSchema: z.ZodType<Presence> = z.looseObject({
  id: z.number().int(),
  date: z.string(),
  from: z.string(),
  to: z.string().nullable(),
  is_home_office: z.boolean(),
  user: userRef,
  created_at: z.string(),
  updated_at: z.string(),
});

export const presenceListSchema: z.ZodType<Presence[]> = z.array(presenceSchema);

export const sessionSchema: z.ZodType<Session> = z.looseObject({ id: z.number().int(), uuid: z.string() });

export const profileSchema: z.ZodType<Profile> = z
  .looseObject({
    id: z.number().int(),
    firstname: z.string(),
    lastname: z.string(),
    email: z.string().nullish(),
  })
  // MOCO sends `email: null` for users without one; the Profile type has it optional.
  .transform(({ email, ...rest }) => (typeof email === 'string' ? { ...rest, email } : rest));

/** `path: message` of the first problem, for an error message. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'an unexpected body';
  const path = issue.path.length === 0 ? 'body' : issue.path.join('.');
  return `an unexpected body (${path}: ${issue.message})`;
}
