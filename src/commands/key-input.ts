/** A terminal that can stop echoing what is typed. */
export type HiddenInput = NodeJS.ReadableStream & { setRawMode(raw: boolean): unknown };

/**
 * One line from the terminal without echo, as `sudo` and `ssh` read passwords: a key or password
 * must not stay on the screen or in a screen recording. Backspace works; Enter or Ctrl+D ends the
 * line; Ctrl+C rejects with `interrupted()`.
 */
export async function readHidden(
  tty: HiddenInput,
  err: { write(text: string): unknown },
  prompt: string,
  interrupted: () => Error,
): Promise<string> {
  // Echo off before the prompt: whoever answers it types into a silent terminal.
  tty.setRawMode(true);
  err.write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const finish = (settle: () => void) => {
        tty.off('data', onData);
        tty.off('end', onEnd);
        tty.pause();
        settle();
      };
      const onData = (chunk: Buffer | string) => {
        for (const char of chunk.toString()) {
          if (char === '\u0003') {
            finish(() => reject(interrupted()));
            return;
          }
          if (char === '\r' || char === '\n' || char === '\u0004') {
            finish(() => resolve(typed));
            return;
          }
          typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
        }
      };
      const onEnd = () => finish(() => resolve(typed));
      tty.on('data', onData);
      tty.once('end', onEnd);
      // A second line (a password typed again) comes after the first one paused the stream.
      tty.resume();
    });
  } finally {
    tty.setRawMode(false);
    err.write('\n');
  }
}

/** One line of a stream, without its line ending; what `--key -` and `web passwd` read. */
export async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text;
}
