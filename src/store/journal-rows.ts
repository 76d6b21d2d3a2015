import type { Intent } from '../courier/plan.js';
import type { FinalOutcome, OpenPresence, Tap, TapState, Verification } from './journal-types.js';

/** A row of `taps` as SQLite returns it; toTap makes the record the rest of the daemon reads. */
export interface TapRow {
  id: number;
  lane: string;
  uid: string;
  user_id: number | null;
  user_name: string | null;
  at_ms: number;
  local_date: string;
  local_time: string;
  clock_synced: number;
  mono_ns: bigint | null;
  boot_id: string | null;
  state: TapState;
  outcome: FinalOutcome | null;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  uncertain: number;
  intent: string | null;
  sent_at: number | null;
  server_errors: number;
  time_uncertain: number;
  delivered_at: number | null;
  presence_id: number | null;
  verify_at: number | null;
  verify: string | null;
}

export function toTap(row: TapRow | undefined): Tap | null {
  if (row === undefined) return null;
  const num = (value: unknown) => (value === null ? null : Number(value));
  return {
    id: Number(row.id),
    lane: row.lane,
    uid: row.uid,
    userId: num(row.user_id),
    userName: row.user_name,
    atMs: Number(row.at_ms),
    localDate: row.local_date,
    localTime: row.local_time,
    clockSynced: Number(row.clock_synced) === 1,
    monoNs: row.mono_ns === null ? null : BigInt(row.mono_ns),
    bootId: row.boot_id,
    state: row.state,
    outcome: row.outcome,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAt: Number(row.next_attempt_at),
    uncertain: Number(row.uncertain) === 1,
    intent: row.intent === null ? null : (JSON.parse(row.intent) as Intent),
    sentAt: num(row.sent_at),
    serverErrors: Number(row.server_errors),
    timeUncertain: Number(row.time_uncertain) === 1,
    deliveredAt: num(row.delivered_at),
    presenceId: num(row.presence_id),
    verifyAt: num(row.verify_at),
    verify: row.verify === null ? null : (JSON.parse(row.verify) as Verification),
  };
}

export interface OpenPresenceRow {
  presence_id: number;
  lane: string;
  uid: string;
  user_name: string | null;
  date: string;
  from_time: string;
  checked_at: number;
}

export function toOpenPresence(row: OpenPresenceRow): OpenPresence {
  return {
    presenceId: Number(row.presence_id),
    lane: row.lane,
    uid: row.uid,
    userName: row.user_name,
    date: row.date,
    from: row.from_time,
    checkedAt: Number(row.checked_at),
  };
}
