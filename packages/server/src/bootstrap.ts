import { hashSecret, API_TOKEN_PATTERN, newApiToken, tokenPrefix } from './auth/secrets.js';
import type { Config } from './config.js';
import { isUuid, newId } from './lib/ids.js';
import type { Store } from './store/store.js';

export interface BootstrapResult {
  /** Set when this start created a project: its credentials, to print once. */
  created?: { projectId: string; apiToken: string };
}

/**
 * D19: ensure the project named by CONCLAVE_PROJECT_ID + CONCLAVE_API_TOKEN exists with exactly
 * that token; or, on an empty database with none named, create one and hand back its token.
 */
export async function bootstrap(
  store: Store,
  config: Pick<Config, 'projectId' | 'apiToken'>,
  now: number = Date.now(),
): Promise<BootstrapResult> {
  if (config.projectId || config.apiToken) {
    if (!config.projectId || !config.apiToken) {
      throw new Error('CONCLAVE_PROJECT_ID and CONCLAVE_API_TOKEN must be set together');
    }
    if (!isUuid(config.projectId)) throw new Error('CONCLAVE_PROJECT_ID must be a UUID');
    if (!API_TOKEN_PATTERN.test(config.apiToken)) {
      throw new Error('CONCLAVE_API_TOKEN must be PT followed by 48 lowercase hex digits');
    }
    const projectId = config.projectId.toLowerCase();
    if (!(await store.getProject(projectId))) {
      await store.createProject({ id: projectId, name: 'Default project', createdAt: now });
    }
    const tokenHash = hashSecret(config.apiToken);
    if (!(await store.findApiToken(projectId, tokenHash))) {
      await store.createApiToken({
        id: newId(),
        projectId,
        name: 'CONCLAVE_API_TOKEN',
        prefix: tokenPrefix(config.apiToken),
        tokenHash,
        scopes: ['video'],
        createdAt: now,
      });
    }
    return {};
  }
  if ((await store.countProjects()) > 0) return {};
  const projectId = newId();
  const apiToken = newApiToken();
  // Processes starting together on an empty database: one of them creates the project.
  const created = await store.createFirstProject(
    { id: projectId, name: 'Default project', createdAt: now },
    {
      id: newId(),
      projectId,
      name: 'first start',
      prefix: tokenPrefix(apiToken),
      tokenHash: hashSecret(apiToken),
      scopes: ['video'],
      createdAt: now,
    },
  );
  return created ? { created: { projectId, apiToken } } : {};
}
