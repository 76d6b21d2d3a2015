import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { StdinReader } from '../../src/readers/stdin-reader.js';
import { captureLogger } from '../fakes/logger.js';
import { recorder, WARN } from './helpers.js';

function setup() {
  const input = new PassThrough();
  const { logger, lines } = captureLogger();
  return { input, lines, reader: new StdinReader({ input, logger }), events: recorder() };
}

describe('StdinReader', () => {
  it('emits one UID per line, validated like the line protocol', async () => {
    const { input, lines, reader, events } = setup();
    await reader.start(events.onUid, events.onState);
    expect(events.states).toEqual(['connected']);
    input.write('0a00123456\n');
    input.write('bad uid!\r\n\n0001');
    input.write('193046\r\n');
    await vi.waitFor(() => expect(events.uids).toEqual(['0A00123456', '0001193046']));
    expect(lines.filter((l) => l.msg === 'line dropped').map((l) => [l.level, l.reason])).toEqual([
      [WARN, 'invalid characters'],
      [WARN, 'empty line'],
    ]);
    await reader.stop();
  });

  it('survives the end of input: reads a last unterminated line, logs and reports disconnected', async () => {
    const { input, lines, reader, events } = setup();
    await reader.start(events.onUid, events.onState);
    input.end('AA\nBB');
    await vi.waitFor(() => expect(events.states).toEqual(['connected', 'disconnected']));
    expect(events.uids).toEqual(['AA', 'BB']);
    expect(lines.some((l) => l.level === WARN && /ended/.test(l.msg))).toBe(true);
  });

  it('reports a stream error as disconnected instead of crashing', async () => {
    const { input, reader, events } = setup();
    await reader.start(events.onUid, events.onState);
    input.destroy(new Error('EIO'));
    await vi.waitFor(() => expect(events.states).toEqual(['connected', 'disconnected']));
  });

  it('stops listening when stopped', async () => {
    const { input, reader, events } = setup();
    await reader.start(events.onUid, events.onState);
    await reader.stop();
    input.write('AA\n');
    input.destroy(new Error('late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.uids).toEqual([]);
    expect(input.listenerCount('data')).toBe(0);
  });
});
