import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { apiKeyProblem } from '../moco/api-key.js';

/**
 * The one key of a MOCO user with the Staff permission, for `moco.identity: impersonation`. It is
 * read from a file or a systemd credential, never from the YAML: config.yaml is readable by the
 * service's group, and a key there would end up in every backup of the configuration.
 */

export const STAFF_KEY_FILE = 'staff.key';
/** The name in `LoadCredential=staff-key:/etc/moco-timeclock/staff.key`. */
export const STAFF_KEY_CREDENTIAL = 'staff-key';

export type StaffKeyErrorCode = 'missing' | 'unreadable' | 'invalid';

export class StaffKeyError extends Error {
  readonly code: StaffKeyErrorCode;
  readonly path: string;

  constructor(code: StaffKeyErrorCode, path: string, message: string) {
    super(message);
    this.name = 'StaffKeyError';
    this.code = code;
    this.path = path;
  }
}

export interface StaffKeySource {
  env: NodeJS.ProcessEnv;
  configPath: string;
  /** `moco.staffKeyFile`. */
  staffKeyFile: string | null;
}

/** The Staff key when `moco.identity` is impersonation; null with per-user keys. Throws StaffKeyError. */
export function configuredStaffKey(
  config: { configPath: string; moco: { identity: string; staffKeyFile: string | null } },
  env: NodeJS.ProcessEnv,
): string | null {
  if (config.moco.identity !== 'impersonation') return null;
  return loadStaffKey({ env, configPath: config.configPath, staffKeyFile: config.moco.staffKeyFile });
}

/** The file an admin puts the key into: `moco.staffKeyFile`, or `staff.key` beside the configuration. */
export function staffKeyPath(source: Pick<StaffKeySource, 'configPath' | 'staffKeyFile'>): string {
  return source.staffKeyFile ?? join(dirname(source.configPath), STAFF_KEY_FILE);
}

/**
 * The credential `staff-key` when systemd handed over one that is not blank, otherwise the file. The
 * units declare a default for the credential (`SetCredential=staff-key:\n`, a lone newline), so that
 * a kiosk without a Staff key still starts: a blank credential counts as none.
 */
export function loadStaffKey(source: StaffKeySource): string {
  const credentials = source.env.CREDENTIALS_DIRECTORY;
  const credential =
    credentials === undefined || credentials === '' ? null : join(credentials, STAFF_KEY_CREDENTIAL);
  if (credential !== null) {
    const text = readText(credential);
    if (text !== null && text.trim() !== '') return checked(text, credential);
  }
  const path = staffKeyPath(source);
  const text = readText(path);
  if (text === null) {
    throw new StaffKeyError(
      'missing',
      path,
      `moco.identity is impersonation, but there is no Staff key: put the API key of a MOCO user with the Staff permission into ${path} (owner root, mode 0600)${credential === null ? '' : ', then restart the service (its unit loads the file as the credential staff-key)'}`,
    );
  }
  if (text.trim() === '') throw new StaffKeyError('invalid', path, `the Staff key file ${path} is empty`);
  return checked(text, path);
}

function checked(text: string, path: string): string {
  const key = text.trim();
  if (apiKeyProblem(key) !== null) {
    throw new StaffKeyError(
      'invalid',
      path,
      `the Staff key in ${path} has spaces, line breaks or characters no API key has: the file must hold the key alone`,
    );
  }
  return key;
}

/** The file's text, or null when it does not exist. */
function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new StaffKeyError(
      'unreadable',
      path,
      `cannot read the Staff key ${path} (${code ?? String(error)}): it is for root only, so run this command with sudo`,
    );
  }
}
