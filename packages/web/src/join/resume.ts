/**
 * What a reloaded page needs to come back as the same member: kept in `sessionStorage` (this tab
 * only, gone when it closes), under a key derived from the token so that two meetings in two
 * tabs do not mix. The resume token is useless without the token it joined with.
 */
export interface Resumable {
  resumeToken: string;
  name: string;
  microphoneOn: boolean;
  cameraOn: boolean;
  /** Unix ms: older than the server's grace period, it would not resume anyway. */
  savedAt: number;
}

const MAX_AGE_MS = 10 * 60_000;

async function key(token: string): Promise<string> {
  const bytes = new TextEncoder().encode(token);
  let hex: string;
  if (globalThis.crypto?.subtle) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)).slice(0, 12);
    hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  } else {
    // No WebCrypto (plain http off localhost): FNV-1a, only to tell meetings apart.
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    hex = h.toString(16);
  }
  return `conclave.join.${hex}`;
}

export async function loadResumable(token: string): Promise<Resumable | undefined> {
  try {
    const raw = sessionStorage.getItem(await key(token));
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Resumable;
    if (typeof value.resumeToken !== 'string' || Date.now() - value.savedAt > MAX_AGE_MS) {
      return undefined;
    }
    return value;
  } catch {
    return undefined;
  }
}

export async function saveResumable(token: string, value: Resumable): Promise<void> {
  try {
    sessionStorage.setItem(await key(token), JSON.stringify(value));
  } catch {
    // Storage refused: a reload joins as a new member.
  }
}

export async function forgetResumable(token: string): Promise<void> {
  try {
    sessionStorage.removeItem(await key(token));
  } catch {
    // nothing kept
  }
}
