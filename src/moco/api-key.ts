/**
 * What a MOCO API key can be: it travels in an HTTP header, so printable ASCII without spaces.
 * Checked where a key is given (the CLI, the import) and before one is sent (the client).
 * Returns what is wrong, for a message that names the key's source but never shows the key.
 */
export function apiKeyProblem(key: string): string | null {
  if (key === '') return 'is empty';
  for (let index = 0; index < key.length; index += 1) {
    const code = key.charCodeAt(index);
    if (code > 0x20 && code < 0x7f) continue;
    return `has ${describeCharacter(code)} at position ${index + 1}`;
  }
  return null;
}

function describeCharacter(code: number): string {
  if (code === 0x20) return 'a space';
  if (code === 0x09) return 'a tab';
  if (code === 0x0a || code === 0x0d) return 'a line break';
  if (code < 0x20 || code === 0x7f) return `a control character (0x${code.toString(16).padStart(2, '0')})`;
  return 'a character that is not plain ASCII';
}
