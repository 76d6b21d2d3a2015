import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfig, timezoneCheck } from '../../src/doctor/config.js';
import { context, removeTempDirs, single, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('checkConfig', () => {
  it('passes a valid file and shows its path', () => {
    const path = join(tempDir(), 'config.yaml');
    writeFileSync(path, 'moco:\n  domain: acme\ntimezone: Europe/Berlin\n');
    const loaded = checkConfig(path);
    expect(loaded.result).toEqual({ status: 'ok', detail: path });
    expect('config' in loaded && loaded.config.moco.domain).toBe('acme');
  });

  it('reports every problem of an invalid file instead of exiting', () => {
    const path = join(tempDir(), 'config.yaml');
    writeFileSync(path, 'moco:\n  domain: acme\ntimezone: Mars/Olympus\nreader:\n  typ: serial\n');
    const loaded = checkConfig(path);
    expect(loaded.result.status).toBe('fail');
    expect(loaded.result.detail).toContain(path);
    expect(loaded.result.fix).toBeDefined();
    expect('problems' in loaded && loaded.problems).toEqual([
      expect.stringMatching(/^timezone: is not a known IANA time zone/),
      expect.stringMatching(/^reader\.typ: unknown key/),
    ]);
  });

  it('reports a missing file as a configuration problem', () => {
    const path = join(tempDir(), 'nowhere.yaml');
    const loaded = checkConfig(path);
    expect('problems' in loaded && loaded.problems).toEqual([`${path}: file not found`]);
  });
});

describe('timezoneCheck', () => {
  it('shows the local time in the configured zone', async () => {
    const clock = { now: () => Date.parse('2025-01-15T08:30:00Z') };
    expect(await single(timezoneCheck(clock), context())).toEqual({
      status: 'ok',
      detail: 'Europe/Berlin (local time now 2025-01-15 09:30)',
    });
  });

  it('fails on a zone this system does not know', async () => {
    const ctx = context();
    ctx.config.timezone = 'Mars/Olympus';
    const result = await single(timezoneCheck({ now: () => 0 }), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('"Mars/Olympus"');
    expect(result.fix).toContain('Europe/Berlin');
  });
});
