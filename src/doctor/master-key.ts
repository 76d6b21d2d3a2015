import {
  loadMasterKey,
  MASTER_KEY_BYTES,
  MASTER_KEY_CREDENTIAL,
  MasterKeyError,
  masterKeyPath,
} from '../store/secrets.js';
import { type Check, type CheckResult, fail, ok } from './checks.js';

/** Reads the master key without ever creating one: a new key would orphan every stored badge key. */
export function masterKeyCheck(env: NodeJS.ProcessEnv = process.env): Check {
  return {
    name: 'master key',
    async run(ctx) {
      const { path, fromCredentials } = masterKeyPath({ env, configPath: ctx.configPath });
      try {
        ctx.found.masterKey = loadMasterKey({ env, configPath: ctx.configPath, create: false });
      } catch (error) {
        if (!(error instanceof MasterKeyError)) throw error;
        if (error.code !== 'missing') ctx.found.masterKeyPath = path;
        return failure(error.code, path, fromCredentials);
      }
      ctx.found.masterKeyPath = path;
      return ok(`${path}${fromCredentials ? ' (systemd credential)' : ''} readable`);
    },
  };
}

function failure(code: MasterKeyError['code'], path: string, fromCredentials: boolean): CheckResult {
  switch (code) {
    case 'missing':
      return fail(
        `${path} does not exist`,
        fromCredentials
          ? `add LoadCredential=${MASTER_KEY_CREDENTIAL}:/etc/moco-timeclock/master.key to the unit`
          : 'run "sudo moco-timeclock init" (the installer does), or copy the key of the machine that encrypted the badges',
      );
    case 'unreadable':
      return fail(
        `${path} is not readable by this user`,
        'it is readable by root only: run the doctor with sudo',
      );
    case 'invalid':
      return fail(
        `${path} does not hold a ${MASTER_KEY_BYTES}-byte key`,
        'restore the right master key file (the stored badge keys cannot be decrypted without it)',
      );
  }
}
