import { createWriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { stdoutDestination } from '../src/log-destination.js';

describe('stdoutDestination', () => {
  it("writes to a pipe's or socket's stdout stream itself, and outlives its reader going away", () => {
    const stdout = new Socket() as unknown as NodeJS.WriteStream;
    expect(stdoutDestination(stdout)).toBe(stdout);
    const gone = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(() => stdout.emit('error', gone)).not.toThrow();
  });

  it("leaves a file to pino's own destination, which does not block on the disk", () => {
    const file = createWriteStream('/dev/null') as unknown as NodeJS.WriteStream;
    expect(stdoutDestination(file)).toBeUndefined();
    file.destroy();
  });
});
