import type { MocoConfig } from '../config/index.js';
import { RateLimiter } from '../courier/rate-limiter.js';
import { explainMocoTrouble, keyRejected } from '../failures/explain.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { MocoClient, type MocoClientOptions } from '../moco/client.js';
import { MocoError } from '../moco/errors.js';
import type { Session } from '../moco/types.js';
import { MocoWatch } from '../moco/watch.js';
import type { BadgeStore, BadgeSummary } from '../store/badges.js';
import { KeyCipherError } from '../store/secrets.js';
import { type Clock, systemClock } from '../time/clock.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { type Check, type CheckResult, fail, ok } from './checks.js';

/** The part of MocoClient the check uses. */
export interface SessionClient {
  forKey(apiKey: string): { session(): Promise<Session> };
  close(): void;
}

export interface MocoCheckDeps {
  createClient?: (options: MocoClientOptions) => SessionClient;
  clock?: Clock;
  timers?: Timers;
}

/** Any key MOCO does not know: its 401 proves MOCO is there when no badge key can be tried. */
const PROBE_KEY = 'moco-timeclock-doctor-probe';

/**
 * The running daemon shares MOCO's per-account budget with the doctor: the doctor takes at most half
 * of it, so a check of many badges cannot starve the daemon's taps.
 */
export function doctorRateLimit(rateLimit: MocoConfig['rateLimit']): { requests: number; windowMs: number } {
  return { requests: Math.max(1, Math.floor(rateLimit.requests / 2)), windowMs: rateLimit.perSeconds * 1000 };
}

/** MOCO answers, and every badge's key is accepted and still belongs to the badge's user. */
export function mocoCheck(deps: MocoCheckDeps = {}): Check {
  const createClient = deps.createClient ?? ((options) => new MocoClient(options));
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  return {
    name: 'MOCO',
    async run({ config, found }) {
      const baseUrl = mocoBaseUrl(config.moco);
      // Every answer, a 401 to the probe too, carries MOCO's clock: the clock check compares it.
      const watch = new MocoWatch(clock);
      const client = createClient({
        baseUrl,
        timeoutMs: config.moco.timeoutMs,
        caFile: config.moco.caFile,
        onAnswer: (answer) => {
          watch.record(answer);
          found.mocoClockOffsetMs = watch.offsetMs();
        },
      });
      const limiter = new RateLimiter(doctorRateLimit(config.moco.rateLimit), clock, timers);
      const ask = async (apiKey: string) => {
        await limiter.acquire('drain');
        return client.forKey(apiKey).session();
      };
      try {
        if (config.moco.identity === 'impersonation') {
          // No badge has a key of its own: the Staff key line checks the one key there is.
          return (
            (await probe(ask, baseUrl)) ?? ok(`${baseUrl} reachable; every badge books with the Staff key`)
          );
        }
        const listed = listBadges(found.badges);
        if (listed.badges === null || listed.badges.length === 0) {
          const unreachable = await probe(ask, baseUrl);
          if (unreachable !== null) return [unreachable, ...listed.problems];
          const why =
            listed.badges === null
              ? 'badge keys not checked (see the database line)'
              : 'no badges enrolled yet';
          return [ok(`${baseUrl} reachable; ${why}`), ...listed.problems];
        }
        return await checkKeys(listed.badges, (uid) => found.badges?.find(uid)?.apiKey ?? null, ask, baseUrl);
      } finally {
        limiter.stop();
        client.close();
      }
    },
  };
}

type Ask = (apiKey: string) => Promise<Session>;

function listBadges(store: BadgeStore | null): { badges: BadgeSummary[] | null; problems: CheckResult[] } {
  if (store === null) return { badges: null, problems: [] };
  try {
    return { badges: store.list(), problems: [] };
  } catch (error) {
    if (!(error instanceof KeyCipherError)) throw error;
    return {
      badges: null,
      problems: [
        fail(error.message, 're-enrol that badge: moco-timeclock badge add <uid> --key <key> --replace'),
      ],
    };
  }
}

async function probe(ask: Ask, baseUrl: string): Promise<CheckResult | null> {
  try {
    await ask(PROBE_KEY);
    return null;
  } catch (error) {
    if (error instanceof MocoError && error.code === 'unauthorized') return null;
    return unusable(error, baseUrl);
  }
}

async function checkKeys(
  badges: BadgeSummary[],
  keyOf: (uid: string) => string | null,
  ask: Ask,
  baseUrl: string,
): Promise<CheckResult[]> {
  const problems: CheckResult[] = [];
  let valid = 0;
  let checked = 0;
  for (const summary of badges) {
    const apiKey = keyOf(summary.uid);
    // Removed by an admin while the doctor ran.
    if (apiKey === null) continue;
    checked += 1;
    let session: Session;
    try {
      session = await ask(apiKey);
    } catch (error) {
      const global = unusable(error, baseUrl);
      if (global !== null) return [global, ...problems];
      problems.push(keyProblem(summary, error as MocoError));
      continue;
    }
    if (summary.userId !== null && session.id !== summary.userId) {
      problems.push({
        ...fail(
          `the key of ${who(summary)} now belongs to MOCO user ${session.id}`,
          `moco-timeclock badge add ${summary.uid} --key <their own key> --replace`,
        ),
        name: `badge ${summary.uid}`,
      });
    } else {
      valid += 1;
    }
  }
  return [ok(`${baseUrl} reachable; ${valid} of ${checked} badge keys valid`), ...problems];
}

/** A failure that is MOCO's or the network's, not one key's: one line, and no more keys are tried. */
function unusable(error: unknown, baseUrl: string): CheckResult | null {
  if (!(error instanceof MocoError)) throw error;
  const trouble = explainMocoTrouble(error.code, { baseUrl });
  if (trouble === null) return null;
  // The doctor is run by hand: after a 429 the thing to do is to run it again, later.
  const fix = error.code === 'rate_limited' ? 'run the doctor again in a few minutes' : trouble.action;
  return fail(`${trouble.meaning} (${error.message})`, fix);
}

function keyProblem(summary: BadgeSummary, error: MocoError): CheckResult {
  const replace = `moco-timeclock badge add ${summary.uid} --key <new key> --replace`;
  const detail =
    error.code === 'unauthorized'
      ? keyRejected(who(summary)).meaning
      : `MOCO refuses the key of ${who(summary)} (${error.message})`;
  return { ...fail(detail, replace), name: `badge ${summary.uid}` };
}

/** `Anna (user 1001)`: whom the operator has to ask for a new key. */
function who(badge: BadgeSummary): string {
  const name = badge.label ?? badge.userName ?? `badge ${badge.uid}`;
  return badge.userId === null ? name : `${name} (user ${badge.userId})`;
}
