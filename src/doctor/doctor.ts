import { indentProblems } from '../config/index.js';
import { EXIT } from '../exit.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { ClockSyncProbe } from '../time/sync.js';
import { badgesCheck } from './badges.js';
import { type Check, type DoctorContext, formatResult, runChecks } from './checks.js';
import { clockCheck } from './clock.js';
import { checkConfig, timezoneCheck } from './config.js';
import { type DataDirDeps, dataDirCheck } from './data-dir.js';
import { type DatabaseDeps, databaseCheck } from './database.js';
import { type GpioCheckDeps, gpioCheck } from './gpio.js';
import { masterKeyCheck } from './master-key.js';
import { type MocoCheckDeps, mocoCheck } from './moco.js';
import { type ReaderCheckDeps, readerCheck } from './reader.js';
import { type StaffCheckDeps, staffKeyCheck } from './staff.js';

/** Everything the checks touch, each part defaulting to the real system. */
export interface DoctorDeps {
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  dataDir?: DataDirDeps;
  database?: DatabaseDeps;
  reader?: ReaderCheckDeps;
  gpio?: GpioCheckDeps;
  moco?: MocoCheckDeps;
  staff?: StaffCheckDeps;
  clockProbe?: ClockSyncProbe;
}

/** The checks after the configuration, in the order they run: later ones use what earlier ones found. */
export function doctorChecks(deps: DoctorDeps = {}): Check[] {
  const clock = deps.clock ?? systemClock;
  return [
    timezoneCheck(clock),
    dataDirCheck(deps.dataDir),
    masterKeyCheck(deps.env),
    databaseCheck({ clock, ...deps.database }),
    readerCheck({ clock, ...deps.reader }),
    gpioCheck(deps.gpio),
    mocoCheck({ clock, ...deps.moco }),
    staffKeyCheck({ env: deps.env, clock, ...deps.staff }),
    badgesCheck(),
    clockCheck(deps.clockProbe),
  ];
}

/**
 * Checks an installation and prints one line per finding. Returns the exit status: 0 when nothing
 * failed, 1 when something did, 78 when the configuration itself is unusable (nothing else checked).
 */
export async function runDoctor(options: {
  configPath: string;
  out: { write(text: string): unknown };
  deps?: DoctorDeps;
}): Promise<number> {
  const { configPath, out } = options;
  const loaded = checkConfig(configPath);
  out.write(`${formatResult('config', loaded.result)}\n`);
  if ('problems' in loaded) {
    out.write(`${indentProblems(loaded.problems)}\n`);
    return EXIT.config;
  }
  const ctx: DoctorContext = {
    configPath,
    config: loaded.config,
    found: { masterKey: null, db: null, badges: null },
  };
  try {
    const failed = await runChecks(doctorChecks(options.deps), ctx, out);
    out.write(
      failed === 0 ? '\nno problems found\n' : `\n${failed} problem${failed === 1 ? '' : 's'} found\n`,
    );
    return failed === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    ctx.found.db?.close();
  }
}
