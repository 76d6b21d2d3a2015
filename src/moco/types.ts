/**
 * Shapes of MOCO's answers, reduced to what the daemon relies on. What every source shows is required;
 * the rest may be missing in older data (see test/fixtures/moco/README.md, "Fields a client may rely on").
 */
export interface MocoUserRef {
  id: number;
  firstname?: string;
  lastname?: string;
}

export interface Presence {
  id: number;
  /** Local date in MOCO's time zone, `YYYY-MM-DD`. */
  date: string;
  /** Local time `HH:MM`. */
  from: string;
  /** Local time `HH:MM`, or null while the presence is open (clocked in). */
  to: string | null;
  /** Absent in presences written before 2021. */
  is_home_office?: boolean;
  /** The OpenAPI beta marks `user` nullable. */
  user?: MocoUserRef | null;
  created_at?: string;
  updated_at?: string;
}

export interface Session {
  id: number;
  uuid: string;
}

export interface Profile {
  id: number;
  firstname: string;
  lastname: string;
  email?: string;
}

/**
 * A MOCO user as `GET /users` and `GET /users/{id}` answer it (users-list-200.json, user-get-200.json,
 * user-get-200-documented.json). Every source shows these fields; the rest is kept as it comes.
 */
export interface MocoUser {
  id: number;
  firstname: string;
  lastname: string;
  /** A deactivated user. The 2022 list did not show one created just before it (see decode.ts). */
  active: boolean;
  email?: string | null;
  /** Custom fields by their name: strings, an array for MultiSelect; `{}` when none. */
  custom_properties: Record<string, unknown>;
  /** UTC ISO8601 with `Z`, by MOCO's clock. */
  updated_at: string;
}

export interface PresenceInput {
  date?: string;
  from?: string;
  to?: string | null;
  is_home_office?: boolean;
}

export interface TouchInput {
  isHomeOffice?: boolean;
}
