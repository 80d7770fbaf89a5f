/**
 * The join link: `/join#token=<token>&name=<display name>`. The token rides in the fragment,
 * which browsers never send to the server, so it reaches no access log.
 */
export interface JoinLink {
  token: string;
  name?: string;
}

const CONFERENCE_TOKEN = /^vpt_[0-9a-f]{32}$/;
const ROOM_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether `text` looks like a conference token (`vpt_…`) or a room token (a JWT). */
export function looksLikeToken(text: string): boolean {
  return CONFERENCE_TOKEN.test(text) || (text.length < 8192 && ROOM_TOKEN.test(text));
}

/** Reads a fragment (`#token=…&name=…`, with or without the `#`). */
export function parseFragment(fragment: string): JoinLink | undefined {
  const params = new URLSearchParams(fragment.replace(/^#/, ''));
  const token = params.get('token')?.trim();
  if (!token) return undefined;
  const name = params.get('name')?.trim();
  return name ? { token, name: name.slice(0, 100) } : { token };
}

/** What a person pasted: a whole join link, a fragment, or a bare token. */
export function parsePasted(text: string): JoinLink | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const hash = trimmed.indexOf('#');
  if (hash >= 0) return parseFragment(trimmed.slice(hash));
  return looksLikeToken(trimmed) ? { token: trimmed } : undefined;
}

/** The fragment for a link: `#token=…` plus `&name=…` when given. */
export function formatFragment(link: JoinLink): string {
  const params = new URLSearchParams({ token: link.token });
  if (link.name) params.set('name', link.name);
  return `#${params.toString()}`;
}

/** What a room token says of its holder (read, not verified: the server verifies it). */
export interface TokenHints {
  name?: string;
  audioMuted?: boolean;
  videoMuted?: boolean;
}

export function tokenHints(token: string): TokenHints {
  if (!ROOM_TOKEN.test(token)) return {};
  try {
    const part = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) =>
        c.charCodeAt(0),
      ),
    );
    const claims = JSON.parse(json) as Record<string, unknown>;
    const hints: TokenHints = {};
    if (typeof claims.u === 'string' && claims.u) hints.name = claims.u;
    if (claims.jam === true) hints.audioMuted = true;
    if (claims.jvm === true) hints.videoMuted = true;
    return hints;
  } catch {
    return {};
  }
}
