import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databasePath } from '../../src/store/database.js';
import { cli, createKiosk, ensureBuilt, type Kiosk, writeConfig } from '../integration/harness.js';

let kiosk: Kiosk;
beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  kiosk = createKiosk({ baseUrl: 'http://127.0.0.1:9/api/v1' });
});
afterEach(() => kiosk.remove());

const storedHash = () => {
  const db = new BetterSqlite3(databasePath(kiosk.dataDir), { readonly: true });
  try {
    return (
      db.prepare("SELECT value FROM meta WHERE key = 'web_password'").get() as { value: string } | undefined
    )?.value;
  } finally {
    db.close();
  }
};

describe('moco-timeclock web passwd', () => {
  it('stores an scrypt hash of the password read from stdin, never the password', async () => {
    const result = await cli(['web', 'passwd', '--config', kiosk.configPath], 'a long enough password\n');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('web password set') });
    expect(result.stdout).toContain('the page is off: set web.enabled: true');
    expect(storedHash()).toMatch(/^scrypt\$/);
    expect(storedHash()).not.toContain('a long enough password');
  });

  it('refuses a short password as a usage error and changes nothing', async () => {
    const result = await cli(['web', 'passwd', '--config', kiosk.configPath], 'short\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the password needs at least 10 characters; nothing changed');
  });
});

describe('moco-timeclock web', () => {
  it('is off by default: says how to turn it on and exits 78, so systemd does not restart it', async () => {
    const result = await cli(['web', '--config', kiosk.configPath]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`the web page is off: set web.enabled: true in ${kiosk.configPath}`);
  });

  it('does not start without a password, and says how to set one', async () => {
    writeConfig(
      kiosk.configPath,
      [
        'moco: { baseUrl: "http://127.0.0.1:9/api/v1" }',
        `dataDir: "${kiosk.dataDir}"`,
        'web: { enabled: true, listen: "127.0.0.1:18099" }',
      ].join('\n'),
    );
    const result = await cli(['web', '--config', kiosk.configPath]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('run "sudo moco-timeclock web passwd" first');
  });
});
