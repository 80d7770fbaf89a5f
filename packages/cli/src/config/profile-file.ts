import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/** One named set of connection settings in the profile file. */
export interface Profile {
  url?: string;
  project?: string;
  token?: string;
  adminToken?: string;
}

/**
 * The profile file, `~/.config/conclave/config.json` by default:
 *
 * ```json
 * {
 *   "defaultProfile": "local",
 *   "profiles": {
 *     "local": { "url": "http://127.0.0.1:8080", "project": "…", "token": "PT…", "adminToken": "…" }
 *   }
 * }
 * ```
 */
export interface ProfileFile {
  defaultProfile?: string;
  profiles?: Record<string, Profile>;
}

/** `--config`, else `CONCLAVE_CONFIG`, else `$XDG_CONFIG_HOME/conclave/config.json`. */
export function profileFilePath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.CONCLAVE_CONFIG) return env.CONCLAVE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'conclave', 'config.json');
}

const PROFILE_KEYS = ['url', 'project', 'token', 'adminToken'] as const;

/** Reads the profile file; a missing file reads as empty, a malformed one is a usage error. */
export function readProfileFile(path: string): ProfileFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the profile file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`the profile file ${path} is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`the profile file ${path} must hold a JSON object`);
  }
  const file = parsed as ProfileFile;
  for (const [name, profile] of Object.entries(file.profiles ?? {})) {
    for (const [key, value] of Object.entries(profile ?? {})) {
      if (!(PROFILE_KEYS as readonly string[]).includes(key) || typeof value !== 'string') {
        throw new UsageError(
          `profile "${name}" in ${path}: "${key}" is not one of ${PROFILE_KEYS.join(', ')} ` +
            'with a string value',
        );
      }
    }
  }
  return file;
}
