import { Command } from 'commander';
import { type BadgesReport, badgesReport } from '../directory/report.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { type DaemonStatus, readDaemonStatus } from '../store/status.js';
import { systemClock } from '../time/clock.js';
import { formatOverride, localParts } from '../time/local.js';
import { VERSION } from '../version.js';
import { processIo, withStores } from './stores.js';

/** Four missed heartbeats: the daemon is gone (or hung, which the systemd watchdog handles). */
const STALE_MS = 20_000;

export interface StatusReport {
  version: string;
  daemon: { running: boolean; pid: number | null; startedAt: string | null; version: string | null };
  moco: { connectivity: string | null; since: string | null };
  taps: { pending: number; failed: number; failures: { reason: string; count: number }[] };
  lastScan: { at: string; outcome: string; tapId?: number } | null;
  reader: string | null;
  clockSynchronized: boolean | null;
  /** Where the badges come from and what about them needs an admin; absent where it is not read (the web page). */
  badges?: BadgesReport;
}

export function statusCommand(): Command {
  return new Command('status')
    .description('what the running daemon is doing: MOCO reachable, queued and failed taps, last tap')
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'machine-readable')
    .action(async (options: { config?: string; json?: boolean }) => {
      const print = (report: StatusReport, timeZone: string) => {
        process.stdout.write(
          options.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, timeZone),
        );
        const badgeProblems = report.badges?.problems.length ?? 0;
        if (report.taps.failed > 0 || !report.daemon.running || badgeProblems > 0) process.exitCode = 1;
      };
      await withStores(
        processIo,
        {
          config: options.config,
          access: 'existing',
          // Nothing has run here: not an error of the command, but the daemon is not running.
          noDatabase: (path, config) => {
            if (options.json)
              print(buildReport(null, { pending: 0, failed: 0 }, [], systemClock.now()), config.timezone);
            else {
              process.stdout.write(
                `no database yet at ${path}: the daemon has not run with this configuration\n`,
              );
              process.exitCode = 1;
            }
          },
        },
        (stores, config) =>
          print(
            {
              ...buildReport(
                readDaemonStatus(stores.db),
                stores.journal.counts(),
                stores.journal.failureReasons(),
                systemClock.now(),
              ),
              badges: badgesReport(config, stores, mocoBaseUrl(config.moco)),
            },
            config.timezone,
          ),
      );
    });
}

export function buildReport(
  status: DaemonStatus | null,
  counts: { pending: number; failed: number },
  failures: { reason: string; count: number }[],
  now: number,
): StatusReport {
  const running = status !== null && now - status.heartbeatAt < STALE_MS && isAlive(status.pid);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    version: VERSION,
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
    lastScan: status?.lastScan ? { ...status.lastScan, at: iso(status.lastScan.at) } : null,
    reader: running ? status.reader : null,
    clockSynchronized: running ? status.clockSynchronized : null,
  };
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

function render(report: StatusReport, timeZone: string): string {
  const local = (iso: string | null) => {
    if (iso === null) return '-';
    return formatOverride(localParts(Date.parse(iso), timeZone));
  };
  const lines = [
    `daemon:    ${report.daemon.running ? `running (pid ${report.daemon.pid}, since ${local(report.daemon.startedAt)})` : 'NOT RUNNING'}`,
    `MOCO:      ${report.moco.connectivity === null ? '-' : `${report.moco.connectivity} since ${local(report.moco.since)}`}`,
    `pending:   ${report.taps.pending} tap(s) waiting for delivery`,
    `failed:    ${report.taps.failed} tap(s) need an admin${report.taps.failed > 0 ? ' (see `moco-timeclock queue list --failed`)' : ''}`,
    ...report.taps.failures.map((f) => `             ${f.count} x ${f.reason}`),
    `last tap:  ${report.lastScan === null ? '-' : `${local(report.lastScan.at)} ${report.lastScan.outcome}`}`,
    `reader:    ${report.reader ?? '-'}`,
    `clock:     ${clockLine(report)}`,
    ...(report.badges === undefined ? [] : badgeLines(report.badges, local)),
    `version:   ${report.version}${report.daemon.version && report.daemon.version !== report.version ? ` (daemon runs ${report.daemon.version})` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
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
    ...badges.problems.map((problem) => `           ${problem.meaning}: ${problem.action}`),
  ];
}

function clockLine(report: StatusReport): string {
  if (!report.daemon.running) return '-';
  if (report.clockSynchronized === null) return 'cannot tell whether synchronised (trusted)';
  return report.clockSynchronized ? 'synchronised' : 'NOT synchronised: queued taps wait for it';
}
