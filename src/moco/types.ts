/** Shapes of MOCO's presences API as documented (see shared/reference/moco-presences-api.txt). */
export interface MocoUserRef {
  id: number;
  firstname: string;
  lastname: string;
}

export interface Presence {
  id: number;
  /** Local date in MOCO's time zone, `YYYY-MM-DD`. */
  date: string;
  /** Local time `HH:MM`. */
  from: string;
  /** Local time `HH:MM`, or null while the presence is open (clocked in). */
  to: string | null;
  is_home_office: boolean;
  user: MocoUserRef;
  created_at: string;
  updated_at: string;
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

export interface PresenceInput {
  date?: string;
  from?: string;
  to?: string | null;
  is_home_office?: boolean;
}

export interface TouchInput {
  /** `YYYY-MM-DD HH:MM` in MOCO's local time: when the event really happened. */
  override?: string;
  isHomeOffice?: boolean;
}
