import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.js';
import { isUuid } from '../lib/ids.js';
import type { Store } from '../store/store.js';
import { hashSecret, secretsEqual } from './secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated project; every video route reads and writes only its rows. */
    projectId: string;
    /** SHA-256 of the API token presented, to look it up again (a long-lived live feed does). */
    apiTokenHash: string;
  }
}

/** Realm of the `WWW-Authenticate` challenge (D1). */
export const AUTH_CHALLENGE = 'Basic realm="conclave"';

function credentials(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * D1/D2: HTTP Basic with project id and API token. Every request looks the token up afresh, so a
 * revoked token is refused on the very next request by every process sharing the database.
 */
/**
 * A 401's `WWW-Authenticate: Basic` challenge, except for a page's own script: a browser answers a
 * Basic challenge to `fetch()` with its login dialog, and the request waits on it. Conclave's
 * console marks its requests `X-Requested-With: XMLHttpRequest` (the usual convention) to get a
 * plain 401 it can act on (E78).
 */
function challenge(request: FastifyRequest, reply: FastifyReply): void {
  if (request.headers['x-requested-with'] !== 'XMLHttpRequest') {
    reply.header('WWW-Authenticate', AUTH_CHALLENGE);
  }
}

export function basicAuth(store: Store) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const creds = credentials(request.headers.authorization);
    if (
      !creds ||
      !isUuid(creds.user) ||
      creds.password.length === 0 ||
      creds.password.length > 200
    ) {
      challenge(request, reply);
      throw new HttpError(401);
    }
    const presentedHash = hashSecret(creds.password);
    const token = await store.findApiToken(creds.user.toLowerCase(), presentedHash);
    if (!token || !secretsEqual(token.tokenHash, presentedHash)) {
      challenge(request, reply);
      throw new HttpError(401);
    }
    if (!token.scopes.includes('video')) throw new HttpError(403);
    request.projectId = token.projectId;
    request.apiTokenHash = presentedHash;
  };
}

/** Whether the project's API token (by hash) is still valid for the API: not revoked, `video`. */
export async function apiTokenStillValid(
  store: Store,
  projectId: string,
  tokenHash: string,
): Promise<boolean> {
  const token = await store.findApiToken(projectId, tokenHash);
  return token !== undefined && token.scopes.includes('video');
}
