import type { Config } from '../config/index.js';
import { errorMessage } from '../error-message.js';
import type { BadgeStore } from '../store/badges.js';
import type { Database } from '../store/database.js';

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  detail: string;
  /** One line telling the operator what to do; every failure has one. */
  fix?: string;
  /** Overrides the check's name for this line, e.g. `badge 04A1B2` among the MOCO results. */
  name?: string;
}

/**
 * What earlier checks found and later ones build on: the database check opens the database the
 * reader check reads the daemon's heartbeat from, and the MOCO check reads the badges from.
 */
export interface Findings {
  masterKey: Buffer | null;
  /** Where the master key is, when there is one (readable or not): the kiosk had a database then. */
  masterKeyPath?: string;
  db: Database | null;
  /** Set only when the master key decrypts this database's keys. */
  badges: BadgeStore | null;
  /** MOCO's clock minus the kiosk's (ms), from the `Date` of the MOCO check's answers; unset before. */
  mocoClockOffsetMs?: number | null;
}

export interface DoctorContext {
  configPath: string;
  config: Config;
  found: Findings;
}

export interface Check {
  name: string;
  /** Several results when one check covers several things (one line per badge key). */
  run(ctx: DoctorContext): Promise<CheckResult | CheckResult[]>;
}

export function ok(detail: string): CheckResult {
  return { status: 'ok', detail };
}

export function fail(detail: string, fix: string): CheckResult {
  return { status: 'fail', detail, fix };
}

export function skip(detail: string): CheckResult {
  return { status: 'skip', detail };
}

/** `EACCES` and the like, for a detail line; the message when there is no code. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? errorMessage(error);
}

const LABELS: Record<CheckStatus, string> = { ok: 'OK  ', fail: 'FAIL', skip: 'SKIP' };

/** `OK   name: detail`, `FAIL name: detail — fix: ...`, `SKIP name: detail`. */
export function formatResult(name: string, result: CheckResult): string {
  const fix = result.status === 'fail' && result.fix !== undefined ? ` — fix: ${result.fix}` : '';
  return `${LABELS[result.status]} ${result.name ?? name}: ${result.detail}${fix}`;
}

/**
 * Runs the checks one after the other (later ones use what earlier ones found) and prints each
 * result as soon as its check is done, so a slow MOCO check does not hide the lines before it.
 * Returns how many results failed.
 */
export async function runChecks(
  checks: readonly Check[],
  ctx: DoctorContext,
  out: { write(text: string): unknown },
): Promise<number> {
  let failed = 0;
  for (const check of checks) {
    let results: CheckResult[];
    try {
      const outcome = await check.run(ctx);
      results = Array.isArray(outcome) ? outcome : [outcome];
    } catch (error) {
      results = [
        fail(
          `unexpected error: ${errorMessage(error)}`,
          'this is not a known problem: report it with this output',
        ),
      ];
    }
    for (const result of results) {
      if (result.status === 'fail') failed += 1;
      out.write(`${formatResult(check.name, result)}\n`);
    }
  }
  return failed;
}
