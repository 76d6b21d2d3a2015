import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from './harness.js';

const dist = (file: string) => pathToFileURL(join(dirname(CLI), file)).href;

/**
 * A process that logs while its reader is behind, so that stdout queues, and then exits hard the
 * way the daemon's crash handler does. It says on stderr once its stdout queues.
 */
const CRASHING = `
import { createLogger } from '${dist('log.js')}';
import { exitOnceLogged } from '${dist('log-destination.js')}';
const logger = createLogger('info');
for (let i = 0; i < 200; i += 1) logger.info({ i, pad: 'x'.repeat(1000) }, 'busy');
process.stderr.write('queued ' + process.stdout.writableLength + '\\n');
logger.fatal('uncaught error; exiting so the supervisor restarts the daemon');
exitOnceLogged(1);
`;

describe('a hard exit while journald is behind', () => {
  beforeAll(ensureBuilt);

  it('still writes every queued line, the fatal one last, and exits with its status', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CRASHING], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause();
    let err = '';
    let out = '';
    const queued = new Promise<number>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const match = /queued (\d+)/.exec(err);
        if (match) resolve(Number(match[1]));
      });
    });
    const status = new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(await queued).toBeGreaterThan(0);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdout.resume();
    expect(await status).toBe(1);
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(lines).toHaveLength(201);
    expect(lines.at(-1)).toMatchObject({
      level: 60,
      msg: 'uncaught error; exiting so the supervisor restarts the daemon',
    });
  });
});
