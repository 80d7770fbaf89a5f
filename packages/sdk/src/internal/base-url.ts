const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * `host` as SignalWire's SDKs take it: a full `http(s)://` URL is used as is (any path kept as a
 * prefix); a bare host gets `https://`, except a loopback host, which gets `http://` as in the
 * official SDKs, so `127.0.0.1:8080` reaches a local server.
 */
export function baseUrlFromHost(host: string): string {
  const trimmed = host.trim();
  const withScheme = /^https?:\/\//i.test(trimmed)
    ? trimmed
    : `${LOOPBACK.test(trimmed) ? 'http' : 'https'}://${trimmed}`;
  const url = new URL(withScheme);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
