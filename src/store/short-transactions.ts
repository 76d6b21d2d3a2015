import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from 'better-sqlite3';

export interface ShortTransactionOptions {
  /** How long one transaction may work before it commits. */
  budgetMs?: number;
  /** The pause after each commit, in which a waiting writer gets the lock. */
  pauseMs?: number;
  pause?: (ms: number) => Promise<unknown>;
  now?: () => number;
}

/**
 * A writer waiting for the lock polls it with growing sleeps (SQLite's busy handler: 1, 2, 5 ... 25
 * ms, 50 ms after 128 ms of waiting); a pause of 50 ms after a transaction of 100 ms lets it in on
 * the first pause, so a tap waits for one transaction at most.
 */
export const SHORT_TRANSACTION = { budgetMs: 100, pauseMs: 50 } as const;

/**
 * Runs `step` repeatedly, in write transactions of about `budgetMs` each, until it returns false.
 * For bulk work whose steps stand on their own (each tap retried or
 * pruned is complete by itself), so a long run holds the write lock in short turns instead of
 * once for as long as it takes.
 */
export async function inShortTransactions(
  db: Database,
  step: () => boolean,
  options: ShortTransactionOptions = {},
): Promise<void> {
  const budgetMs = options.budgetMs ?? SHORT_TRANSACTION.budgetMs;
  const pauseMs = options.pauseMs ?? SHORT_TRANSACTION.pauseMs;
  const pause = options.pause ?? sleep;
  const now = options.now ?? (() => performance.now());
  const turn = db.transaction(() => {
    const started = now();
    do {
      if (!step()) return false;
    } while (now() - started < budgetMs);
    return true;
  });
  while (turn.immediate()) await pause(pauseMs);
}
