import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

type Read = { certificates: string[] } | { problem: string };

function read(path: string): Read {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: `${path}: ${unreadable((error as NodeJS.ErrnoException).code)}` };
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    return { problem: `${path}: holds no PEM certificate ("-----BEGIN CERTIFICATE-----")` };
  }
  for (const [index, pem] of certificates.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      return { problem: `${path}: certificate ${index + 1} of ${certificates.length} is not readable` };
    }
  }
  return { certificates };
}

function unreadable(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a directory; give the PEM file';
    case 'EACCES':
    case 'EPERM':
      return 'not readable by this user (the service user must be able to read it)';
    default:
      return `cannot be read (${code ?? 'unknown error'})`;
  }
}

/** What is wrong with `moco.caFile`, for the configuration's error list; null when it is usable. */
export function caFileProblem(path: string): string | null {
  const result = read(path);
  return 'problem' in result ? result.problem : null;
}

/**
 * Node's built-in roots plus the file's certificates, as `NODE_EXTRA_CA_CERTS` would add them (a
 * `ca` option alone would replace the roots, and MOCO's own certificate would no longer be
 * trusted). One context for every connection: given only `ca`, Node would parse the ~150 roots
 * again for each handshake. The configuration has checked the file; should it have gone since,
 * the start fails with the same words.
 */
export function trustingCaFile(path: string): SecureContext {
  const result = read(path);
  if ('problem' in result) throw new Error(`moco.caFile: ${result.problem}`);
  return createSecureContext({ ca: [...rootCertificates, ...result.certificates] });
}
