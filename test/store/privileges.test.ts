import { describe, expect, it } from 'vitest';
import {
  dropPrivilegesToOwnerOf,
  type OwnershipFs,
  type PrivilegedProcess,
} from '../../src/store/privileges.js';

function fakeProcess(uid: number, options: { noPasswdEntry?: boolean } = {}) {
  const calls: string[] = [];
  let current = uid;
  const proc: PrivilegedProcess = {
    getuid: () => current,
    initgroups: (user, group) => {
      if (options.noPasswdEntry === true) throw new Error('initgroups user not found');
      calls.push(`initgroups ${user} ${group}`);
    },
    setgroups: (groups) => calls.push(`setgroups ${groups.join(',')}`),
    setgid: (id) => calls.push(`setgid ${id}`),
    setuid: (id) => {
      calls.push(`setuid ${id}`);
      current = id;
    },
  };
  return { proc, calls };
}

function fakeFs(owners: Record<string, { uid: number; gid: number }>) {
  const chowned: string[] = [];
  const fs: OwnershipFs = {
    statSync(path) {
      const owner = owners[path];
      if (owner === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      return owner;
    },
    chownSync(path, uid, gid) {
      chowned.push(`${path} ${uid}:${gid}`);
    },
  };
  return { fs, chowned };
}

const DAEMON = { uid: 998, gid: 997 };
const ROOT = { uid: 0, gid: 0 };

describe('dropPrivilegesToOwnerOf', () => {
  it('does nothing when not root', () => {
    const { proc, calls } = fakeProcess(1000);
    const { fs } = fakeFs({ '/data': DAEMON });
    expect(dropPrivilegesToOwnerOf('/data', proc, fs)).toEqual({ dropped: false, reason: 'not_root' });
    expect(calls).toEqual([]);
  });

  it('stays root when the data directory is root-owned or missing', () => {
    const { proc, calls } = fakeProcess(0);
    expect(dropPrivilegesToOwnerOf('/data', proc, fakeFs({ '/data': ROOT }).fs)).toMatchObject({
      reason: 'owned_by_root',
    });
    expect(dropPrivilegesToOwnerOf('/data', proc, fakeFs({}).fs)).toMatchObject({ reason: 'no_data_dir' });
    expect(calls).toEqual([]);
  });

  it('becomes the owner: groups, then gid, then uid', () => {
    const { proc, calls } = fakeProcess(0);
    const result = dropPrivilegesToOwnerOf('/data', proc, fakeFs({ '/data': DAEMON }).fs);
    expect(result).toEqual({ dropped: true, uid: 998, gid: 997, repaired: [] });
    expect(calls).toEqual(['initgroups 998 997', 'setgid 997', 'setuid 998']);
  });

  it("drops root's supplementary groups even for a uid without a passwd entry", () => {
    const { proc, calls } = fakeProcess(0, { noPasswdEntry: true });
    dropPrivilegesToOwnerOf('/data', proc, fakeFs({ '/data': DAEMON }).fs);
    expect(calls).toEqual(['setgroups 997', 'setgid 997', 'setuid 998']);
  });

  it('first gives database files left by root back to the owner', () => {
    const { proc } = fakeProcess(0);
    const { fs, chowned } = fakeFs({
      '/data': DAEMON,
      '/data/timeclock.db': DAEMON,
      '/data/timeclock.db-wal': ROOT,
      '/data/timeclock.db-shm': ROOT,
    });
    const result = dropPrivilegesToOwnerOf('/data', proc, fs);
    expect(chowned).toEqual(['/data/timeclock.db-wal 998:997', '/data/timeclock.db-shm 998:997']);
    expect(result).toMatchObject({ repaired: ['/data/timeclock.db-wal', '/data/timeclock.db-shm'] });
  });

  it('fails loudly when the switch did not happen', () => {
    const { proc } = fakeProcess(0);
    proc.setuid = () => {};
    expect(() => dropPrivilegesToOwnerOf('/data', proc, fakeFs({ '/data': DAEMON }).fs)).toThrow(
      /could not switch/,
    );
  });
});
