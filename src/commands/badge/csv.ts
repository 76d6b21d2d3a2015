import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { errorMessage } from '../../error-message.js';
import { BadgeError, type ExportRow, type ImportRow } from '../../store/badges.js';

/** The columns of `badge export`, in order; `badge import` accepts any subset that includes `uid`. */
export const CSV_COLUMNS = ['uid', 'label', 'user_id', 'user_name', 'api_key'] as const;
type Column = (typeof CSV_COLUMNS)[number];

export function badgesToCsv(rows: readonly ExportRow[]): string {
  return stringify(
    rows.map((row) => [
      neutralize(row.uid),
      neutralize(row.label ?? ''),
      row.userId ?? '',
      neutralize(row.userName ?? ''),
      neutralize(row.apiKey ?? ''),
    ]),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}

/**
 * A cell a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
 * return) gets a leading apostrophe, as OWASP's "CSV Injection" advice has it: the spreadsheet then
 * shows it as text. A cell that already starts with apostrophes before such a character gets one
 * more, so that `restore` (one apostrophe less) gives back exactly what was exported.
 */
export function neutralize(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

export function restore(cell: string): string {
  return FORMULA_START.test(cell) && cell.startsWith("'") ? cell.slice(1) : cell;
}

const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * Reads an import file into rows, each with the line it ends on. Accepts a byte-order mark and, as
 * spreadsheets in German locales save it, `;` as separator when the header uses it.
 * Throws BadgeError `import_row` on a file that is not CSV or has a bad header.
 */
export function csvToImportRows(text: string): ImportRow[] {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes wrapped with where it was found; the typings only know bare records.
    records = parse(text, {
      bom: true,
      delimiter,
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    throw importError(line, `not readable as CSV: ${errorMessage(error)}`);
  }
  const [header, ...body] = records;
  if (header === undefined)
    throw importError(1, `the file is empty; expected the header ${CSV_COLUMNS.join(',')}`);
  const columns = new Map<Column, number>();
  header.record.forEach((name, index) => {
    const column = name.toLowerCase() as Column;
    if (!CSV_COLUMNS.includes(column)) {
      throw importError(
        header.info.lines,
        `unknown column "${name}"; the columns are ${CSV_COLUMNS.join(', ')}`,
      );
    }
    if (columns.has(column)) throw importError(header.info.lines, `column "${name}" appears twice`);
    columns.set(column, index);
  });
  if (!columns.has('uid')) throw importError(header.info.lines, 'the header has no "uid" column');
  const field = (record: string[], column: Column): string | undefined => {
    const index = columns.get(column);
    return index === undefined ? undefined : restore(record[index] ?? '');
  };
  return body.map(({ record, info }) => ({
    line: info.lines,
    uid: field(record, 'uid') ?? '',
    label: field(record, 'label'),
    userId: field(record, 'user_id'),
    userName: field(record, 'user_name'),
    apiKey: field(record, 'api_key'),
  }));
}

function importError(line: number, message: string): BadgeError {
  return new BadgeError('import_row', `line ${line}: ${message}`, [{ line, message }]);
}
