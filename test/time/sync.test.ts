import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processMonotonic, systemClockProbe } from '../../src/time/sync.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-sync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('systemClockProbe', () => {
  it("is synchronised when timesyncd's flag file exists, without asking timedatectl", async () => {
    const flagFile = join(dir, 'synchronized');
    writeFileSync(flagFile, '');
    const calls: string[] = [];
    const probe = systemClockProbe({
      flagFile,
      exec: async (file) => {
        calls.push(file);
        return 'no\n';
      },
    });
    expect(await probe.synchronized()).toBe(true);
    expect(calls).toEqual([]);
  });

  it.each([
    ['yes\n', true],
    ['no\n', false],
    ['maybe\n', null],
  ])('reads timedatectl answering %j as %s', async (answer, expected) => {
    const calls: { file: string; args: string[] }[] = [];
    const probe = systemClockProbe({
      flagFile: join(dir, 'absent'),
      exec: async (file, args) => {
        calls.push({ file, args });
        return answer;
      },
    });
    expect(await probe.synchronized()).toBe(expected);
    expect(calls).toEqual([{ file: 'timedatectl', args: ['show', '-p', 'NTPSynchronized', '--value'] }]);
  });

  it('cannot tell (null) when timedatectl fails', async () => {
    const probe = systemClockProbe({
      flagFile: join(dir, 'absent'),
      exec: async () => {
        throw new Error('spawn timedatectl ENOENT');
      },
    });
    expect(await probe.synchronized()).toBeNull();
  });
});

describe('processMonotonic', () => {
  it('counts forward in nanoseconds and names the boot (or null where there is no /proc)', () => {
    const first = processMonotonic.nowNs();
    const second = processMonotonic.nowNs();
    expect(typeof first).toBe('bigint');
    expect(second >= first).toBe(true);
    const boot = processMonotonic.bootId();
    expect(boot === null || /^[0-9a-f-]{36}$/.test(boot)).toBe(true);
    expect(processMonotonic.bootId()).toBe(boot);
  });
});
