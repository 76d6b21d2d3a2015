import { Command } from 'commander';
import { type Config, ConfigError } from '../config/index.js';
import { type BadgesReport, badgesReport } from '../directory/report.js';
import { configHeading, EXIT, exitCodeFor, failureMessage } from '../exit.js';
import { explainClockOffset, type TapFailureKind } from '../failures/explain.js';
import { isHeartbeatFresh } from '../heartbeat.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import type { Stores } from '../store/open.js';
import { type DaemonStatus, readDaemonStatus } from '../store/status.js';
import { systemClock } from '../time/clock.js';
import { formatOverride, localParts } from '../time/local.js';
import { VERSION } from '../version.js';
import {
  explainFailure,
  failureText,
  labelsOf,
  type OpenEarlier,
  openEarlier,
  openEarlierLine,
  openEarlierSummary,
} from './kiosk-view.js';
import { processIo, withStores } from './stores.js';

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

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'what the running daemon is doing: MOCO reachable, queued and failed taps, forgotten clock-outs, ' +
        'last tap, clock; exit 0 healthy, 1 needs attention, 3 (or 78) cannot tell',
    )
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'machine-readable, also when status cannot tell')
    .action(async (options: { config?: string; json?: boolean }) => {
      const json = options.json === true;
      const print = (report: StatusReport, timeZone: string) => {
        process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : render(report, timeZone));
        process.exitCode = report.health.state === 'ok' ? EXIT.ok : EXIT.failure;
      };
      try {
        await withStores(
          processIo,
          {
            config: options.config,
            access: 'existing',
            // Nothing has run here: not an error of the command, but the daemon is not running.
            noDatabase: (path, config) => {
              if (json) print(buildReport({ ...NOTHING_YET, now: systemClock.now() }), config.timezone);
              else {
                process.stdout.write(
                  `no database yet at ${path}: the daemon has not run with this configuration\n`,
                );
                process.exitCode = EXIT.failure;
              }
            },
          },
          (stores, config) =>
            print(
              buildReport({
                ...readStatusFacts(stores, config, systemClock.now()),
                badges: badgesReport(config, stores, mocoBaseUrl(config.moco)),
              }),
              config.timezone,
            ),
        );
      } catch (error) {
        cannotTell(error, json);
      }
    });
}

const NOTHING_YET: Omit<StatusFacts, 'now'> = {
  heartbeat: null,
  counts: { pending: 0, failed: 0 },
  failures: [],
  open: [],
};

/**
 * Status is for monitoring, so an error never exits 1 (which says "needs attention"): it is 3, or
 * 78 for a setup problem no restart fixes. With --json the error is JSON too.
 */
function cannotTell(error: unknown, json: boolean): void {
  const exitCode = exitCodeFor(error);
  const code = exitCode === EXIT.failure ? EXIT.cannotTell : exitCode;
  process.exitCode = code;
  if (!json) {
    process.stderr.write(`moco-timeclock: ${failureMessage(error)}\n`);
    return;
  }
  const name = error instanceof Error ? error.name : 'Error';
  const errorCode = (error as { code?: unknown }).code;
  // The heading, not the stack: the problems of a configuration have their own field.
  const said =
    error instanceof ConfigError
      ? configHeading(error)
      : error instanceof Error
        ? error.message
        : String(error);
  const report: StatusErrorReport = {
    version: VERSION,
    health: { state: 'unknown', reasons: [said] },
    error: {
      name,
      code: typeof errorCode === 'string' ? errorCode : null,
      message: said,
      ...(error instanceof ConfigError ? { problems: error.problems } : {}),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
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

const INDENT = ' '.repeat(13);

function render(report: StatusReport, timeZone: string): string {
  const local = (iso: string | null) => {
    if (iso === null) return '-';
    return formatOverride(localParts(Date.parse(iso), timeZone));
  };
  const { health, daemon, taps } = report;
  const lines = [
    `health:    ${health.state === 'ok' ? 'ok' : `NEEDS ATTENTION: ${health.reasons.join('; ')}`}`,
    `daemon:    ${daemon.running ? `running (pid ${daemon.pid}, since ${local(daemon.startedAt)})` : 'NOT RUNNING'}`,
    `MOCO:      ${report.moco.connectivity === null ? '-' : `${report.moco.connectivity} since ${local(report.moco.since)}`}`,
    `pending:   ${taps.pending} tap(s) waiting for delivery`,
    `failed:    ${taps.failed} tap(s) need an admin${taps.failed > 0 ? ' (see `moco-timeclock queue list --failed`)' : ''}`,
    ...failureLines(taps.failures),
    `open:      ${openLine(report.openPresences)}`,
    ...report.openPresences.map((open) => `${INDENT}${openEarlierLine(open)}`),
    `last tap:  ${report.lastScan === null ? '-' : `${local(report.lastScan.at)} ${report.lastScan.outcome}`}`,
    `reader:    ${report.reader ?? '-'}`,
    `clock:     ${clockLine(report)}`,
    ...(report.badges === undefined ? [] : badgeLines(report.badges, local)),
    `version:   ${report.version}${daemon.version && daemon.version !== report.version ? ` (daemon runs ${daemon.version})` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One line per explanation: reasons that differ only in their detail are one thing to do. */
function failureLines(failures: FailureGroup[]): string[] {
  const counts = new Map<string, number>();
  for (const failure of failures) {
    const text = failureText(failure);
    counts.set(text, (counts.get(text) ?? 0) + failure.count);
  }
  return [...counts].map(([text, count]) => `${INDENT}${count} x ${text}`);
}

function openLine(open: OpenEarlier[]): string {
  return open.length === 0 ? 'no presence left open from an earlier date' : openEarlierSummary(open.length);
}

function badgeLines(badges: BadgesReport, local: (iso: string | null) => string): string[] {
  const booked =
    badges.identity === 'impersonation' ? 'booked with the Staff key' : "booked with each person's own key";
  const where =
    badges.moco === null
      ? `${badges.count} on this kiosk, ${booked}`
      : `${badges.count} kept in MOCO ("${badges.moco.field}" field of ${badges.moco.usersWithField} of ${badges.moco.users} users), ${booked}; synced ${local(badges.moco.lastSyncAt)}, all users ${local(badges.moco.lastFullSyncAt)}`;
  return [
    `badges:    ${where}`,
    ...badges.problems.map((problem) => `${INDENT}${problem.meaning}: ${problem.action}`),
  ];
}

function clockLine(report: StatusReport): string {
  if (!report.daemon.running) return '-';
  const sync =
    report.clockSynchronized === null
      ? 'cannot tell whether synchronised (trusted)'
      : report.clockSynchronized
        ? 'synchronised'
        : 'NOT synchronised: queued taps wait for it';
  if (report.mocoClockOffsetMs === null) return `${sync}; MOCO's clock not seen yet`;
  const verdict = explainClockOffset(report.mocoClockOffsetMs);
  return `${sync}; ${verdict.meaning}${verdict.action === null ? '' : `: ${verdict.action}`}`;
}
