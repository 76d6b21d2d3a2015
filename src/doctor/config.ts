import { type Config, ConfigError, loadConfig } from '../config/index.js';
import type { Clock } from '../time/clock.js';
import { isValidTimeZone, localParts } from '../time/local.js';
import { type Check, type CheckResult, fail, ok } from './checks.js';

export type ConfigLoad =
  | { config: Config; result: CheckResult }
  | { problems: string[]; result: CheckResult };

/**
 * The first check, and the only one that stops the doctor: nothing else can be checked without a
 * configuration. Reports instead of exiting, unlike the other commands' loader.
 */
export function checkConfig(path: string): ConfigLoad {
  try {
    return { config: loadConfig(path), result: ok(path) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      problems: error.problems,
      result: fail(
        `${path} is not a usable configuration (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} below)`,
        'correct the file; config/config.example.yaml documents every key',
      ),
    };
  }
}

/** Shows the local time in the configured zone, so a wrong but valid zone stands out too. */
export function timezoneCheck(clock: Clock): Check {
  return {
    name: 'timezone',
    async run({ config }) {
      if (!isValidTimeZone(config.timezone)) {
        return fail(
          `${JSON.stringify(config.timezone)} is not a time zone this system knows`,
          'set timezone to an IANA zone such as "Europe/Berlin"',
        );
      }
      const { date, time } = localParts(clock.now(), config.timezone);
      return ok(`${config.timezone} (local time now ${date} ${time})`);
    },
  };
}
