import { describe, expect, it } from 'vitest';
import { signalsTestCommand } from '../../src/commands/signals-test.js';
import { CliError, EXIT } from '../../src/exit.js';

describe('signals test command', () => {
  it('is the test sub-command of signals', () => {
    const command = signalsTestCommand();
    expect(command.name()).toBe('signals');
    expect(command.commands.map((c) => c.name())).toEqual(['test']);
  });

  it('rejects an unknown outcome with a usage error listing the valid names', async () => {
    const error = await signalsTestCommand()
      .parseAsync(['test', 'clocked'], { from: 'user' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    expect((error as CliError).message).toContain('clocked_in, clocked_out, queued');
    expect((error as CliError).message).toContain('attention');
  });
});
