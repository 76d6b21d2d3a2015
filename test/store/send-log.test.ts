import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEND_LOG_FILE, SendLogFile } from '../../src/store/send-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-sent-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SendLogFile', () => {
  it('keeps the send times of the window for the next process, private to the service user', () => {
    const first = new SendLogFile(dir);
    first.record(1_000, 0);
    first.record(2_000, 500);
    first.record(3_000, 1_000);
    first.close();
    expect(statSync(join(dir, SEND_LOG_FILE)).mode & 0o777).toBe(0o600);

    const second = new SendLogFile(dir);
    expect(second.since(0)).toEqual([2_000, 3_000]);
    expect(second.since(2_000)).toEqual([3_000]);
    second.close();
  });

  it('forgets through an index, not by walking the whole window on every send', () => {
    new SendLogFile(dir).close();
    const db = new BetterSqlite3(join(dir, SEND_LOG_FILE), { readonly: true });
    const plan = db.prepare('EXPLAIN QUERY PLAN DELETE FROM sent WHERE at <= ?').all(0) as {
      detail: string;
    }[];
    db.close();
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING (COVERING )?INDEX sent_by_at/);
  });
});
