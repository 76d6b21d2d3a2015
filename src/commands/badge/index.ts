import { Command } from 'commander';
import { type KeyVerifier, verifyKeyWithMoco } from '../../enrolment/verify-key.js';
import type { PrivilegedProcess } from '../../store/privileges.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { defineAdd } from './add.js';
import type { Io } from './context.js';
import { defineRemove, defineRename } from './edit.js';
import { defineExport, defineImport } from './import-export.js';
import { defineList } from './list.js';

export interface BadgeCommandDeps {
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  clock?: Clock;
  verifyKey?: KeyVerifier;
  /** Whose uid/gid to switch; `process` unless a test passes a fake. */
  process?: PrivilegedProcess;
}

/** `badge add|list|remove|rename|export|import`: the admin's view of the badge-to-key mapping. */
export function badgeCommand(deps: BadgeCommandDeps = {}): Command {
  const io: Io = {
    env: deps.env ?? process.env,
    stdin: deps.stdin ?? process.stdin,
    out: (text) => (deps.stdout ?? process.stdout).write(text),
    err: (text) => (deps.stderr ?? process.stderr).write(text),
    clock: deps.clock ?? systemClock,
    verifyKey: deps.verifyKey ?? verifyKeyWithMoco,
    process: deps.process ?? process,
  };
  const badge = new Command('badge').description(
    'enrol and manage badges (run as root: sudo moco-timeclock badge ...)',
  );

  defineAdd(badge, io);
  defineList(badge, io);
  defineRemove(badge, io);
  defineRename(badge, io);
  defineExport(badge, io);
  defineImport(badge, io);
  return badge;
}
