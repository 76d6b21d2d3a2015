/** A row of the `badges` table as SQLite returns it. */
export interface BadgeRow {
  uid: string;
  label: string | null;
  user_id: number | null;
  user_name: string | null;
  api_key: string | null;
  created_at: number;
  updated_at: number;
  last_seen_at: number | null;
}

export const BADGE_COLUMNS = 'uid, label, user_id, user_name, api_key, created_at, updated_at, last_seen_at';
