import { readFileSync } from 'node:fs';

/** Who runs the doctor and who owns a file, in words an operator recognises. */
export interface Identity {
  /** null where there are no uids (Windows). */
  uid(): number | null;
  /** The login name of a uid, or null when it has no passwd entry. */
  name(uid: number): string | null;
}

/** Reads the passwd file on each call: the doctor asks a handful of times at most. */
export function systemIdentity(passwdPath = '/etc/passwd'): Identity {
  return {
    uid: () => process.getuid?.() ?? null,
    name(uid) {
      let text: string;
      try {
        text = readFileSync(passwdPath, 'utf8');
      } catch {
        return null;
      }
      for (const line of text.split('\n')) {
        const [name, , id] = line.split(':');
        if (id === String(uid) && name !== undefined && name !== '') return name;
      }
      return null;
    },
  };
}

/** `moco-timeclock (uid 998)`, or `uid 998` without a passwd entry. */
export function describeUser(identity: Identity, uid: number): string {
  const name = identity.name(uid);
  return name === null ? `uid ${uid}` : `${name} (uid ${uid})`;
}

/** The user running the doctor, by name for a command line the operator can paste. */
export function currentUserName(identity: Identity): string {
  const uid = identity.uid();
  return (uid === null ? null : identity.name(uid)) ?? '<user>';
}
