import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import { CliError } from '../../exit.js';
import { createTypedUidNormalizer } from '../../readers/uid.js';
import {
  BadgeError,
  checkImportRows,
  type ExportRow,
  type ImportProblem,
  type ImportRow,
  throwImportProblems,
} from '../../store/badges.js';
import { CONFIG_HELP } from '../load-config.js';
import { type Io, keptInMoco, notInConfiguredForm, withStore } from './context.js';
import { badgesToCsv, csvToImportRows } from './csv.js';

/** `badge export`: every badge as CSV, the keys only when asked for. */
export function defineExport(badge: Command, io: Io): void {
  badge
    .command('export')
    .description('write all badges as CSV (uid,label,user_id,user_name,api_key) to stdout or a file')
    .option('--with-keys', 'include the API keys in plain text (otherwise the api_key column is empty)')
    .option('-o, --output <file>', 'write to this file, created readable by its owner only')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (options: { withKeys?: boolean; output?: string; config?: string }) => {
      const output = options.output === undefined ? null : openOutput(options.output);
      try {
        const write = (rows: ExportRow[]) => {
          const csv = badgesToCsv(rows);
          if (output === null) io.out(csv);
          else writeSync(output, csv);
        };
        await withStore(
          io,
          options.config,
          'existing',
          ({ badges, mocoBadges, config }) => {
            if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, null);
            const rows = badges.exportRows(options.withKeys === true);
            write(rows);
            if (options.withKeys === true) {
              io.err('the export holds API keys in plain text: keep it safe, delete it soon\n');
            }
            if (options.output !== undefined) {
              io.err(`exported ${rows.length} badge${rows.length === 1 ? '' : 's'} to ${options.output}\n`);
            }
          },
          (path) => {
            write([]);
            io.err(`no database yet at ${path}: no badges to export\n`);
          },
        );
      } finally {
        if (output !== null) closeSync(output);
      }
    });
}

/** `badge import`: the rows of a CSV file as `export` writes it, all or none. */
export function defineImport(badge: Command, io: Io): void {
  badge
    .command('import')
    .description('add or update badges from a CSV file as "export" writes it; all rows or none')
    .argument('<file>', 'the CSV file, or "-" for stdin')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (file: string, options: { config?: string }) => {
      // Read before the switch to the data directory's owner, who may not read the admin's files.
      const text = await readImportFile(io, file);
      const rows = (() => {
        try {
          const parsed = csvToImportRows(text);
          throwImportProblems(checkImportRows(parsed).problems);
          return parsed;
        } catch (error) {
          throw importFailure(file, error);
        }
      })();
      await withStore(io, options.config, 'enrol', ({ badges, mocoBadges, config }) => {
        if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, null);
        try {
          const { added, updated } = badges.importRows(rowsInConfiguredForm(config, rows), {
            staffKey: config.moco.identity === 'impersonation',
          });
          const total = added + updated;
          io.out(
            `imported ${total} badge${total === 1 ? '' : 's'} from ${file === '-' ? 'stdin' : file}: ${added} new, ${updated} updated\n`,
          );
        } catch (error) {
          throw importFailure(file, error);
        }
      });
    });
}

/**
 * The rows (already past the admin rule, checkImportRows) with their UIDs as the reader gives them
 * (uid.format), or every row that cannot be.
 */
function rowsInConfiguredForm(config: Pick<Config, 'uid'>, rows: ImportRow[]): ImportRow[] {
  const normalize = createTypedUidNormalizer(config.uid);
  const problems: ImportProblem[] = [];
  const shaped = rows.map((row) => {
    const uid = normalize(row.uid);
    if (uid === null) problems.push({ line: row.line, message: notInConfiguredForm(config, row.uid) });
    return { ...row, uid: uid ?? row.uid };
  });
  throwImportProblems(problems);
  return shaped;
}

/**
 * Opened before the switch to the data directory's owner, who may not write where the admin is, and
 * narrowed to 0600 even when the file existed: it may receive keys.
 */
function openOutput(path: string): number {
  try {
    const fd = openSync(path, 'w', 0o600);
    fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function readImportFile(io: Io, file: string): Promise<string> {
  if (file === '-') {
    let text = '';
    for await (const chunk of io.stdin) text += chunk.toString();
    return text;
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function importFailure(file: string, error: unknown): unknown {
  if (error instanceof BadgeError && error.code === 'import_row') {
    const lines = error.problems.map((p) => `  ${file} line ${p.line}: ${p.message}`);
    return new CliError(
      `nothing imported, ${file} has ${lines.length === 1 ? 'a bad row' : `${lines.length} bad rows`}:\n${lines.join('\n')}`,
    );
  }
  return error;
}
