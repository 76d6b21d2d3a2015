import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirCheck } from '../../src/doctor/data-dir.js';
import { context, errno, fakeIdentity, removeTempDirs, single, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const identity = fakeIdentity(1000);

describe('dataDirCheck', () => {
  it('passes a writable directory and leaves no probe file behind', async () => {
    const ctx = context();
    mkdirSync(ctx.config.dataDir);
    const result = await single(dataDirCheck({ identity }), ctx);
    expect(result.status).toBe('ok');
    expect(result.detail).toContain(ctx.config.dataDir);
    expect(readdirSync(ctx.config.dataDir)).toEqual([]);
  });

  it('names the user running the doctor and the owner when the directory is not writable', async () => {
    const ctx = context();
    mkdirSync(ctx.config.dataDir);
    const fs = {
      ...fsPromises,
      stat: async () => ({ uid: 998, isDirectory: () => true }),
      writeFile: async () => {
        throw errno('EACCES');
      },
    } as unknown as typeof fsPromises;
    const result = await single(dataDirCheck({ fs, identity }), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(
      `${ctx.config.dataDir} is not writable by alice (uid 1000) (EACCES); it belongs to moco-timeclock (uid 998)`,
    );
    expect(result.fix).toContain('sudo');
    expect(result.fix).toContain('moco-timeclock');
  });

  it('passes a missing directory whose parent takes it, without creating it', async () => {
    const ctx = context();
    const result = await single(dataDirCheck({ identity }), ctx);
    expect(result).toEqual({
      status: 'ok',
      detail: `${ctx.config.dataDir} does not exist yet; alice (uid 1000) can create it in ${join(ctx.config.dataDir, '..')}`,
    });
    expect(existsSync(ctx.config.dataDir)).toBe(false);
  });

  it('looks for the nearest existing parent of a deeper missing directory', async () => {
    const dir = tempDir();
    const ctx = context('', { dir });
    ctx.config.dataDir = join(dir, 'a', 'b', 'c');
    const asked: string[] = [];
    const fs = {
      ...fsPromises,
      access: async (path: string) => {
        asked.push(path);
        throw errno('EACCES');
      },
    } as unknown as typeof fsPromises;
    const result = await single(dataDirCheck({ fs, identity }), ctx);
    expect(asked).toEqual([dir]);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain(`cannot create it in ${dir}`);
    expect(result.fix).toContain(
      `install -d -m 0700 -o moco-timeclock -g moco-timeclock ${ctx.config.dataDir}`,
    );
  });

  it('fails when dataDir is a file', async () => {
    const ctx = context();
    writeFileSync(ctx.config.dataDir, '');
    const result = await single(dataDirCheck({ identity }), ctx);
    expect(result.status).toBe('fail');
    expect(result).toEqual({
      status: 'fail',
      detail: `the data directory ${ctx.config.dataDir} is a file, not a directory`,
      fix: `set dataDir in the configuration to a directory, or move ${ctx.config.dataDir} away`,
    });
  });

  it('names the file that stands where a parent directory should be, as the commands do', async () => {
    const ctx = context();
    const file = ctx.config.dataDir;
    writeFileSync(file, '');
    ctx.config.dataDir = join(file, 'data');
    const result = await single(dataDirCheck({ identity }), ctx);
    expect(result).toEqual({
      status: 'fail',
      detail: `the data directory ${ctx.config.dataDir} cannot exist: ${file} is a file, not a directory`,
      fix: `set dataDir in the configuration to a directory, or move ${file} away`,
    });
  });
});
