import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readHidden } from '../../src/commands/key-input.js';

/** A terminal: what is typed, whether it echoes, what it shows. */
function terminal() {
  const tty = Object.assign(new PassThrough(), {
    raw: [] as boolean[],
    setRawMode(raw: boolean) {
      tty.raw.push(raw);
    },
  });
  let screen = '';
  const err = { write: (text: string) => (screen += text) };
  return { tty, err, screen: () => screen };
}

const interrupted = () => new Error('interrupted');

describe('readHidden', () => {
  it('reads a line with echo off from before the prompt, and backspace takes a character back', async () => {
    const t = terminal();
    const line = readHidden(t.tty, t.err, 'Key: ', interrupted);
    expect(t.tty.raw).toEqual([true]);
    expect(t.screen()).toBe('Key: ');
    t.tty.write('secrex\u007ft\rnext line');
    await expect(line).resolves.toBe('secret');
    expect(t.tty.raw).toEqual([true, false]);
    expect(t.screen()).toBe('Key: \n');
  });

  it('reads a second line after the first, as a password typed again', async () => {
    const t = terminal();
    const first = readHidden(t.tty, t.err, 'New: ', interrupted);
    t.tty.write('one\r');
    await expect(first).resolves.toBe('one');
    const again = readHidden(t.tty, t.err, 'Again: ', interrupted);
    t.tty.write('two\n');
    await expect(again).resolves.toBe('two');
    expect(t.screen()).toBe('New: \nAgain: \n');
  });

  it('ends the line at Ctrl+D or the end of input, and rejects at Ctrl+C with echo back on', async () => {
    const eot = terminal();
    const line = readHidden(eot.tty, eot.err, '', interrupted);
    eot.tty.write('abc\u0004');
    await expect(line).resolves.toBe('abc');

    const ended = terminal();
    const cut = readHidden(ended.tty, ended.err, '', interrupted);
    ended.tty.end('xy');
    await expect(cut).resolves.toBe('xy');

    const t = terminal();
    const aborted = readHidden(t.tty, t.err, '', interrupted);
    t.tty.write('ab\u0003cd\r');
    await expect(aborted).rejects.toThrow('interrupted');
    expect(t.tty.raw).toEqual([true, false]);
  });
});
