import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/index.js';
import { CliError, EXIT, exitCodeFor, reportFailure } from '../src/exit.js';
import { StaffKeyError } from '../src/identity/staff-key.js';
import { BadgeError } from '../src/store/badges.js';
import { DatabaseError } from '../src/store/errors.js';

function reported(error: unknown): { code: number; stderr: string } {
  let stderr = '';
  const code = reportFailure(error, { write: (text: string) => (stderr += text) });
  return { code, stderr };
}

describe('exitCodeFor', () => {
  it('ends help with 0 and any other commander error as a usage error', () => {
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(EXIT.ok);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'unknown'))).toBe(EXIT.usage);
    expect(reported(new CommanderError(1, 'commander.unknownOption', 'unknown')).stderr).toBe('');
  });

  it('exits 78 on what no restart fixes, and says it in one line', () => {
    expect(reported(new ConfigError('invalid', '/etc/c.yaml', ['dataDir: expected a string']))).toEqual({
      code: EXIT.config,
      stderr: 'moco-timeclock: invalid configuration in /etc/c.yaml\n  dataDir: expected a string\n',
    });
    expect(reported(new StaffKeyError('missing', '/etc/staff.key', 'no Staff key'))).toEqual({
      code: EXIT.config,
      stderr: 'moco-timeclock: no Staff key\n',
    });
    expect(exitCodeFor(new DatabaseError('corrupt', '/d/db', 'damaged'))).toBe(EXIT.config);
    expect(exitCodeFor(new DatabaseError('full', '/d/db', 'disk full'))).toBe(EXIT.failure);
  });

  it("takes a CliError's own status, a malformed UID as a usage error, the rest as failures", () => {
    expect(exitCodeFor(new CliError('busy', EXIT.interrupted))).toBe(EXIT.interrupted);
    expect(exitCodeFor(new BadgeError('malformed_uid', '"04 A1" is not a badge UID'))).toBe(EXIT.usage);
    expect(exitCodeFor(new BadgeError('not_found', 'there is no badge FF'))).toBe(EXIT.failure);
    const unexpected = reported(new TypeError('x is undefined'));
    expect(unexpected.code).toBe(EXIT.failure);
    expect(unexpected.stderr).toMatch(/^moco-timeclock: TypeError: x is undefined\n\s+at /);
  });
});
