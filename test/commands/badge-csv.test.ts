import { describe, expect, it } from 'vitest';
import { badgesToCsv, csvToImportRows } from '../../src/commands/badge/csv.js';
import type { BadgeError } from '../../src/store/badges.js';

function importError(text: string): BadgeError {
  try {
    csvToImportRows(text);
  } catch (error) {
    return error as BadgeError;
  }
  throw new Error('expected a throw');
}

describe('badge CSV', () => {
  it('writes the header and empty cells for what is missing, quoting where needed', () => {
    const csv = badgesToCsv([
      { uid: '04AB', label: 'Schmidt, Anna', userId: 1001, userName: 'Anna "A" Schmidt', apiKey: null },
      { uid: '05CD', label: null, userId: null, userName: null, apiKey: 'key' },
    ]);
    expect(csv).toBe(
      'uid,label,user_id,user_name,api_key\n04AB,"Schmidt, Anna",1001,"Anna ""A"" Schmidt",\n05CD,,,,key\n',
    );
  });

  it('reads back what it writes, with the line of each row', () => {
    const csv = badgesToCsv([
      { uid: '04AB', label: 'Schmidt, Anna', userId: 1001, userName: 'Anna Schmidt', apiKey: 'k1' },
      { uid: '05CD', label: null, userId: null, userName: null, apiKey: null },
    ]);
    expect(csvToImportRows(csv)).toEqual([
      {
        line: 2,
        uid: '04AB',
        label: 'Schmidt, Anna',
        userId: '1001',
        userName: 'Anna Schmidt',
        apiKey: 'k1',
      },
      { line: 3, uid: '05CD', label: '', userId: '', userName: '', apiKey: '' },
    ]);
  });

  it('neutralises cells a spreadsheet would run as formulas, and reads them back unchanged', () => {
    const risky = [
      '=HYPERLINK("http://evil","x")',
      '+1+1',
      '-2+3',
      '@SUM(A1)',
      "'=already quoted",
      "''+twice",
      "'plain apostrophe",
      'ok',
    ];
    const rows = risky.map((label, index) => ({
      uid: `0${index}`,
      label,
      userId: null,
      userName: label,
      apiKey: label === 'ok' ? '-key' : null,
    }));
    const csv = badgesToCsv(rows);
    const cells = csv.split('\n').slice(1, -1);
    // Every cell that starts like a formula starts with an apostrophe.
    expect(cells[0]).toBe(`00,"'=HYPERLINK(""http://evil"",""x"")",,"'=HYPERLINK(""http://evil"",""x"")",`);
    expect(cells[1]).toBe("01,'+1+1,,'+1+1,");
    expect(cells[3]).toBe("03,'@SUM(A1),,'@SUM(A1),");
    expect(cells[4]).toBe("04,''=already quoted,,''=already quoted,");
    expect(cells[6]).toBe("06,'plain apostrophe,,'plain apostrophe,");
    expect(cells[7]).toBe("07,ok,,ok,'-key");
    const back = csvToImportRows(csv);
    expect(back.map((row) => row.label)).toEqual(risky);
    expect(back.map((row) => row.userName)).toEqual(risky);
    expect(back[7]?.apiKey).toBe('-key');
  });

  it('leaves absent columns undefined, skips blank lines, and accepts a BOM, CRLF and any column order', () => {
    expect(csvToImportRows('\uFEFFAPI_KEY,uid\r\nk1,04ab\r\n\r\nk2,05cd\r\n')).toEqual([
      { line: 2, uid: '04ab', label: undefined, userId: undefined, userName: undefined, apiKey: 'k1' },
      { line: 4, uid: '05cd', label: undefined, userId: undefined, userName: undefined, apiKey: 'k2' },
    ]);
  });

  it('accepts semicolons as spreadsheets in German locales write them', () => {
    expect(csvToImportRows('uid;label\n04AB;Anna, S.\n')).toMatchObject([{ uid: '04AB', label: 'Anna, S.' }]);
  });

  it('names the line of a malformed row', () => {
    const error = importError('uid,label\n04AB,Anna\n05CD,Ben,extra\n');
    expect(error.code).toBe('import_row');
    expect(error.problems).toEqual([{ line: 3, message: expect.stringContaining('not readable as CSV') }]);
  });

  it('refuses an unknown or repeated column, a header without uid, and an empty file', () => {
    expect(importError('uid,apikey\n').problems[0]!.message).toContain('unknown column "apikey"');
    expect(importError('uid,uid\n').problems[0]!.message).toContain('twice');
    expect(importError('label,api_key\n').problems[0]!.message).toContain('no "uid" column');
    expect(importError('').problems[0]!.message).toContain('empty');
  });
});
