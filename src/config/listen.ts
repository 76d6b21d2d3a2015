/** `web.listen`: `host:port`, with an IPv6 host in brackets (`[::1]:8080`). */
export interface ListenAddress {
  host: string;
  port: number;
}

const LISTEN_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** The address to bind, or null when `text` is not `host:port` with a port from 1 to 65535. */
export function parseListen(text: string): ListenAddress | null {
  const match = LISTEN_RE.exec(text.trim());
  if (match === null) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return null;
  return { host: (match[1] ?? match[2]) as string, port };
}
