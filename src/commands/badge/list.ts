import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import type { BadgeSummary } from '../../store/badges.js';
import type { MocoBadgeRow } from '../../store/moco-badges.js';
import { CONFIG_HELP } from '../load-config.js';
import { type Io, withStore } from './context.js';
import { columns, formatTime } from './format.js';

/** `badge list`: the table an admin reads, or JSON for scripts; keys only as their last characters. */
export function defineList(badge: Command, io: Io): void {
  badge
    .command('list')
    .description('show every badge with its person; keys are masked to their last 4 characters')
    .option('--json', 'print JSON for scripts')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((options: { json?: boolean; config?: string }) =>
      withStore(
        io,
        options.config,
        'existing',
        ({ badges, mocoBadges, config }) => {
          if (config.badges.source === 'moco') {
            const rows = mocoBadges.list();
            io.out(
              options.json === true
                ? `${JSON.stringify(rows.map(mocoJsonView), null, 2)}\n`
                : mocoTable(rows, config),
            );
            return;
          }
          const list = badges.list();
          if (options.json === true) io.out(`${JSON.stringify(list.map(jsonView), null, 2)}\n`);
          else io.out(table(list, config.timezone));
        },
        (path) =>
          io.out(options.json === true ? '[]\n' : `no database yet at ${path}, so no badges: ${ADD_ONE}\n`),
      ),
    );
}

function mocoJsonView(row: MocoBadgeRow) {
  return { ...row, lastSeenAt: row.lastSeenAt === null ? null : new Date(row.lastSeenAt).toISOString() };
}

function mocoTable(rows: MocoBadgeRow[], config: Config): string {
  if (rows.length === 0) {
    return `no badges in MOCO's "${config.badges.field}" field yet, as of the last sync (see "moco-timeclock status")\n`;
  }
  const lines = [
    ['UID', 'MOCO USER', 'LAST SEEN', ''],
    ...rows.map((r) => [
      r.uid,
      `${r.userName} (${r.userId})`,
      r.lastSeenAt === null ? 'never' : formatTime(r.lastSeenAt, config.timezone),
      r.conflict ? 'CONFLICT: on two users, taps count as unknown' : '',
    ]),
  ];
  return `${columns(lines)}${rows.length} badge${rows.length === 1 ? '' : 's'} kept in MOCO (copy of the last sync)\n`;
}

function jsonView(badge: BadgeSummary) {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return {
    ...badge,
    createdAt: iso(badge.createdAt),
    updatedAt: iso(badge.updatedAt),
    lastSeenAt: iso(badge.lastSeenAt),
  };
}

const ADD_ONE = 'add one with "moco-timeclock badge add <uid> --key -"';

function table(list: BadgeSummary[], timeZone: string): string {
  if (list.length === 0) return `no badges yet: ${ADD_ONE}\n`;
  const rows = [
    ['UID', 'LABEL', 'MOCO USER', 'KEY', 'LAST SEEN'],
    ...list.map((b) => [
      b.uid,
      b.label ?? '-',
      b.userId === null ? '(not verified)' : `${b.userName ?? ''} (${b.userId})`.trim(),
      b.keyHint,
      b.lastSeenAt === null ? 'never' : formatTime(b.lastSeenAt, timeZone),
    ]),
  ];
  return `${columns(rows)}${list.length} badge${list.length === 1 ? '' : 's'}\n`;
}
