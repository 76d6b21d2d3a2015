import type { Config } from '../config/index.js';
import type { BadgesReport } from '../directory/report.js';
import { explainClockOffset, type TapFailureKind } from '../failures/explain.js';
import { isHeartbeatFresh } from '../heartbeat.js';
import type { Stores } from '../store/open.js';
import { type DaemonStatus, readDaemonStatus } from '../store/status.js';
import { VERSION } from '../version.js';
import { explainFailure, labelsOf, type OpenEarlier, openEarlier } from './kiosk-view.js';

/**
 * What the kiosk is doing, as `status` prints it (and `status --json`, a public contract) and the
 * web page shows it: read from the kiosk's database, never from the running daemon itself.
 */

/**
 * `ok` (exit 0): nothing to do. `attention` (exit 1): `reasons` say what needs someone. `unknown`
 * (exit 3, or 78 for a setup problem): status could not find out.
 */
export type HealthState = 'ok' | 'attention' | 'unknown';

export interface StatusReport {
  version: string;
  health: { state: HealthState; reasons: string[] };
  daemon: { running: boolean; pid: number | null; startedAt: string | null; version: string | null };
  moco: { connectivity: string | null; since: string | null };
  taps: { pending: number; failed: number; failures: FailureGroup[] };
  /** Presences this kiosk opened on an earlier date and has not seen closed. */
  openPresences: OpenEarlier[];
  lastScan: { at: string; outcome: string } | null;
  reader: string | null;
  clockSynchronized: boolean | null;
  /** MOCO's clock minus the kiosk's (ms), as the running daemon last saw it; null when not known. */
  mocoClockOffsetMs: number | null;
  /** Where the badges come from and what about them needs an admin; absent where it is not read (the web page). */
  badges?: BadgesReport;
}

/** The failed taps of one stored reason, and what that reason means. */
export interface FailureGroup {
  reason: string;
  count: number;
  kind: TapFailureKind;
  meaning: string;
  action: string;
}

/** What `status --json` prints when it cannot tell: still JSON, with the error. */
export interface StatusErrorReport {
  version: string;
  health: { state: 'unknown'; reasons: string[] };
  error: { name: string; code: string | null; message: string; problems?: string[] };
}

export interface StatusFacts {
  heartbeat: DaemonStatus | null;
  counts: { pending: number; failed: number };
  failures: FailureGroup[];
  open: OpenEarlier[];
  now: number;
  badges?: BadgesReport;
}

/** Everything the report is made of, read from the kiosk's database (`status`, the web page). */
export function readStatusFacts(
  { db, journal, badges }: Pick<Stores, 'db' | 'journal' | 'badges'>,
  config: Pick<Config, 'moco' | 'scan' | 'timezone'>,
  now: number,
): StatusFacts {
  const heartbeat = readDaemonStatus(db);
  const failures = journal.failureReasons().map(({ reason, count }) => {
    const { kind, meaning, action } = explainFailure(reason, config);
    return { reason, count, kind, meaning, action };
  });
  const open = openEarlier(journal, labelsOf(badges), config, heartbeat, now);
  return { heartbeat, counts: journal.counts(), failures, open, now };
}

export function buildReport({
  heartbeat: status,
  counts,
  failures,
  open,
  now,
  badges,
}: StatusFacts): StatusReport {
  const running = status !== null && isHeartbeatFresh(status, now) && isAlive(status.pid);
  const iso = (ms: number) => new Date(ms).toISOString();
  const report: StatusReport = {
    version: VERSION,
    health: { state: 'ok', reasons: [] },
    daemon: {
      running,
      pid: running ? status.pid : null,
      startedAt: status === null ? null : iso(status.startedAt),
      version: status?.version ?? null,
    },
    moco: {
      connectivity: running ? status.connectivity : null,
      since: running ? iso(status.connectivitySince) : null,
    },
    taps: { ...counts, failures },
    openPresences: open,
    lastScan: status?.lastScan ? { ...status.lastScan, at: iso(status.lastScan.at) } : null,
    reader: running ? status.reader : null,
    clockSynchronized: running ? status.clockSynchronized : null,
    mocoClockOffsetMs: running ? (status.mocoClockOffsetMs ?? null) : null,
    ...(badges === undefined ? {} : { badges }),
  };
  const reasons = attention(report);
  return { ...report, health: { state: reasons.length === 0 ? 'ok' : 'attention', reasons } };
}

/** What needs someone, each in a few words; nothing when the kiosk is fine. */
function attention(report: StatusReport): string[] {
  const { daemon, moco, taps, openPresences } = report;
  const reasons: string[] = [];
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (!daemon.running) reasons.push('the daemon is not running');
  if (taps.failed > 0)
    reasons.push(`${plural(taps.failed, 'failed tap needs', 'failed taps need')} an admin`);
  if (openPresences.length > 0) {
    reasons.push(`${plural(openPresences.length, 'presence', 'presences')} open since an earlier date`);
  }
  if (moco.connectivity === 'offline') reasons.push('MOCO cannot be reached');
  if (report.reader === 'disconnected') reasons.push('the reader is disconnected');
  if (report.clockSynchronized === false) reasons.push('the system clock is not synchronised');
  const clock = report.mocoClockOffsetMs === null ? null : explainClockOffset(report.mocoClockOffsetMs);
  if (clock !== null && !clock.fine) reasons.push(clock.meaning);
  for (const problem of report.badges?.problems ?? []) reasons.push(`badges: ${problem.meaning}`);
  return reasons;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's process (the service user's, seen by an admin).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
