/**
 * Who the console acts as: a project (its id and an API token, for the Video API) or the
 * administrator (the admin token, for projects and API tokens). Kept in `sessionStorage` — this
 * tab only, gone when it closes — and never in a URL.
 */
import { AdminClient, AuthenticationError, RestClient } from '@conclave/sdk';

export type Credentials =
  { kind: 'project'; projectId: string; token: string } | { kind: 'admin'; token: string };

const KEY = 'conclave.console';

export function loadCredentials(): Credentials | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Credentials;
    if (value.kind === 'project' && value.projectId && value.token) return value;
    if (value.kind === 'admin' && value.token) return value;
  } catch {
    // unreadable: signed out
  }
  return undefined;
}

export function saveCredentials(credentials: Credentials): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(credentials));
  } catch {
    // Not kept: the console works until the tab reloads.
  }
}

export function forgetCredentials(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
}

/** Marks the console's requests, so that a 401 carries no Basic challenge: browsers answer one
 *  with a login dialog, and the request would wait on it. */
const PAGE_HEADERS = { 'X-Requested-With': 'XMLHttpRequest' };

export function projectClient(c: { projectId: string; token: string }): RestClient {
  return new RestClient({
    project: c.projectId,
    token: c.token,
    host: location.origin,
    maxRetries: 0,
    defaultHeaders: PAGE_HEADERS,
  });
}

export function adminClient(token: string): AdminClient {
  return new AdminClient({ url: location.origin, adminToken: token, maxRetries: 0 });
}

/** Checks credentials with one small request; resolves with the clients or rejects. */
export async function signIn(credentials: Credentials): Promise<void> {
  if (credentials.kind === 'project') {
    await projectClient(credentials).video.conferences.list({ page_size: 1 });
  } else {
    await adminClient(credentials.token).projects.list({ page_size: 1 });
  }
}

export function isAuthError(error: unknown): boolean {
  return error instanceof AuthenticationError;
}
