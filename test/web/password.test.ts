import { describe, expect, it } from 'vitest';
import { hashPassword, passwordFingerprint, verifyPassword } from '../../src/web/password.js';

describe('the admin password', () => {
  it('is stored as a salted scrypt hash with its parameters, and verified against it', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(hash).not.toContain('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
  });

  it('gets a new salt each time, so two equal passwords have different hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(passwordFingerprint(a)).not.toBe(passwordFingerprint(b));
  });

  it('refuses anything that is not a hash it wrote', async () => {
    for (const stored of ['', 'plain text', 'scrypt$0$8$1$AAAA$AAAA', 'bcrypt$x$y$z$a$b']) {
      expect(await verifyPassword('x', stored), stored).toBe(false);
    }
  });
});
