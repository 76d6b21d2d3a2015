import { z } from 'zod';
import type { MocoUser, Presence, Profile, Session } from './types.js';

/**
 * Shapes of MOCO's answers. Loose objects: MOCO adds fields over time and we keep them; only the
 * fields the daemon relies on are required, so older data (no `is_home_office` before 2021) and
 * the OpenAPI's nullable `user` still decode.
 */
const userRef = z.looseObject({
  id: z.number().int(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
});

export const presenceSchema: z.ZodType<Presence> = z.looseObject({
  id: z.number().int(),
  date: z.string(),
  from: z.string(),
  to: z.string().nullable(),
  is_home_office: z.boolean().optional(),
  user: userRef.nullish(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});

export const presenceListSchema: z.ZodType<Presence[]> = z.array(presenceSchema);

export const sessionSchema: z.ZodType<Session> = z.looseObject({ id: z.number().int(), uuid: z.string() });

/**
 * Users as every source shows them (recordings of 2022, the docs of 2026). `email` is a string in
 * all of them; it is read as nullable because an account can have users without one.
 */
export const userSchema: z.ZodType<MocoUser> = z.looseObject({
  id: z.number().int(),
  firstname: z.string(),
  lastname: z.string(),
  active: z.boolean(),
  email: z.string().nullish(),
  custom_properties: z.record(z.string(), z.unknown()),
  updated_at: z.string(),
});

export const userListSchema: z.ZodType<MocoUser[]> = z.array(userSchema);

/**
 * `GET /profile` names its fields `first_name`/`last_name` (docs and OpenAPI, profile-200.json),
 * unlike users and presences (`firstname`/`lastname`); one client library says the latter for the
 * profile too. Nothing recorded settles it, so either spelling is read.
 */
export const profileSchema: z.ZodType<Profile> = z
  .looseObject({
    id: z.number().int(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    firstname: z.string().nullish(),
    lastname: z.string().nullish(),
    email: z.string().nullish(),
  })
  .refine((p) => nameOf(p, 'first') !== undefined || nameOf(p, 'last') !== undefined, {
    message: 'neither first_name/last_name nor firstname/lastname',
    path: ['first_name'],
  })
  .transform((p) => ({
    id: p.id,
    firstname: nameOf(p, 'first') ?? '',
    lastname: nameOf(p, 'last') ?? '',
    // MOCO sends `email: null` for users without one; the Profile type has it optional.
    ...(typeof p.email === 'string' ? { email: p.email } : {}),
  }));

type ProfileNames = { [K in `${'first' | 'last'}${'_name' | 'name'}`]?: string | null };

function nameOf(profile: ProfileNames, which: 'first' | 'last'): string | undefined {
  return profile[`${which}_name`] ?? profile[`${which}name`] ?? undefined;
}

/** `path: message` of the first problem, for an error message. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'an unexpected body';
  const path = issue.path.length === 0 ? 'body' : issue.path.join('.');
  return `an unexpected body (${path}: ${issue.message})`;
}
