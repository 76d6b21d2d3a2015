import { Command } from 'commander';
import { ConfigError } from '../config/index.js';
import { type BadgesReport, badgesReport } from '../directory/report.js';
import { configHeading, EXIT, exitCodeFor, failureMessage } from '../exit.js';
import { explainClockOffset } from '../failures/explain.js';
import { mocoBaseUrl } from '../moco/base-url.js';
import { failureText, type OpenEarlier, openEarlierLine, openEarlierSummary } from '../status/kiosk-view.js';
import {
  buildReport,
  type FailureGroup,
  readStatusFacts,
  type StatusErrorReport,
  type StatusFacts,
  type StatusReport,
} from '../status/report.js';
import { systemClock } from '../time/clock.js';
import { formatOverride, localParts } from '../time/local.js';
import { VERSION } from '../version.js';
import { processIo, withStores } from './stores.js';

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
