import { constants } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { dataDirProblem } from '../store/data-dir.js';
import { type Check, type CheckResult, errorCode, fail, ok } from './checks.js';
import { describeUser, type Identity, systemIdentity } from './identity.js';

export type DataDirFs = Pick<typeof fsPromises, 'stat' | 'writeFile' | 'unlink' | 'access'>;

export interface DataDirDeps {
  fs?: DataDirFs;
  identity?: Identity;
}

/**
 * The data directory exists (or can be created) and takes a file: a probe is written and deleted,
 * since permission bits alone do not tell about read-only mounts or ACLs.
 */
export function dataDirCheck(deps: DataDirDeps = {}): Check {
  const fs = deps.fs ?? fsPromises;
  const identity = deps.identity ?? systemIdentity();
  const self = () => {
    const uid = identity.uid();
    return uid === null ? 'this user' : describeUser(identity, uid);
  };
  return {
    name: 'data directory',
    async run({ config }) {
      const dir = config.dataDir;
      // The same words as every command that meets the problem.
      const problem = dataDirProblem(dir);
      if (problem !== null) return fail(problem.detail, problem.fix);
      let stats: { uid: number };
      try {
        stats = await fs.stat(dir);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return creatable(fs, dir, self());
        return fail(`cannot look at ${dir} (${errorCode(error)})`, 'check the permissions of its parents');
      }
      const owner = describeUser(identity, stats.uid);
      const ownerName = identity.name(stats.uid) ?? `the user with uid ${stats.uid}`;
      const probe = join(dir, `.doctor-probe-${process.pid}`);
      try {
        await fs.writeFile(probe, '', { mode: 0o600, flag: 'wx' });
        await fs.unlink(probe);
      } catch (error) {
        return fail(
          `${dir} is not writable by ${self()} (${errorCode(error)}); it belongs to ${owner}`,
          `run the doctor as root (sudo) or as ${ownerName}, or give the directory to the service user: sudo chown -R moco-timeclock: ${dir}`,
        );
      }
      return ok(`${dir} (owner ${owner}, writable)`);
    },
  };
}

/** A missing directory is fine when its nearest existing parent lets us create it. */
async function creatable(fs: DataDirFs, dir: string, self: string): Promise<CheckResult> {
  let parent = dirname(dir);
  for (;;) {
    try {
      await fs.stat(parent);
      break;
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' || dirname(parent) === parent) break;
      parent = dirname(parent);
    }
  }
  try {
    await fs.access(parent, constants.W_OK);
    return ok(`${dir} does not exist yet; ${self} can create it in ${parent}`);
  } catch {
    return fail(
      `${dir} does not exist, and ${self} cannot create it in ${parent}`,
      `sudo install -d -m 0700 -o moco-timeclock -g moco-timeclock ${dir} (the installer does this)`,
    );
  }
}
