import { AdminClient, RestClient } from '@conclave/sdk';
import { UsageError } from '../errors.js';
import { profileFilePath, readProfileFile, type Profile } from './profile-file.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The global flags every command accepts (mirroring the environment). */
export interface GlobalFlags {
  url?: string;
  project?: string;
  token?: string;
  adminToken?: string;
  profile?: string;
  config?: string;
}

export interface Settings {
  url: string;
  project: string | undefined;
  token: string | undefined;
  adminToken: string | undefined;
  /** Where each setting may come from, for error messages. */
  profilePath: string;
}

/**
 * Flags win; then, when a profile was asked for by name (`--profile`, `CONCLAVE_PROFILE`), that
 * profile; then the environment; then the file's default profile; then the default URL.
 */
export function resolveSettings(flags: GlobalFlags, env: NodeJS.ProcessEnv): Settings {
  const profilePath = profileFilePath(flags.config, env);
  const file = readProfileFile(profilePath);
  const named = flags.profile ?? env.CONCLAVE_PROFILE;
  let profile: Profile = {};
  if (named) {
    const found = file?.profiles?.[named];
    if (!found) throw new UsageError(`no profile "${named}" in ${profilePath}`);
    profile = found;
  } else if (file) {
    profile = file.profiles?.[file.defaultProfile ?? 'default'] ?? {};
  }
  const fromEnv: Profile = {
    url: env.CONCLAVE_URL || undefined,
    project: env.SIGNALWIRE_PROJECT_ID || undefined,
    token: env.SIGNALWIRE_API_TOKEN || undefined,
    adminToken: env.CONCLAVE_ADMIN_TOKEN || undefined,
  };
  const [first, second] = named ? [profile, fromEnv] : [fromEnv, profile];
  // An empty flag is no flag.
  const pick = (key: keyof Profile) => (flags[key] || undefined) ?? first[key] ?? second[key];
  return {
    url: pick('url') ?? DEFAULT_URL,
    project: pick('project'),
    token: pick('token'),
    adminToken: pick('adminToken'),
    profilePath,
  };
}

/** A Video API client, or a usage error naming every way to give what is missing. */
export function restClient(settings: Settings): RestClient {
  const missing: string[] = [];
  if (!settings.project) missing.push('a project id (--project or SIGNALWIRE_PROJECT_ID)');
  if (!settings.token) missing.push('an API token (--token or SIGNALWIRE_API_TOKEN)');
  if (missing.length > 0) {
    throw new UsageError(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} needed, ` +
        `or a profile in ${settings.profilePath}`,
    );
  }
  return new RestClient({ project: settings.project, token: settings.token, host: settings.url });
}

/** An admin API client, or a usage error. */
export function adminClient(settings: Settings): AdminClient {
  if (!settings.adminToken) {
    throw new UsageError(
      `the admin token is needed (--admin-token or CONCLAVE_ADMIN_TOKEN, or a profile in ` +
        `${settings.profilePath})`,
    );
  }
  return new AdminClient({ url: settings.url, adminToken: settings.adminToken });
}
