import { buildApp } from '../app.js';
import { createSqliteStore } from '../store/sqlite/sqlite-store.js';

/** The OpenAPI document as the app generates it, independent of any running server or data. */
export async function buildOpenApiDocument(): Promise<unknown> {
  const store = createSqliteStore({ filename: ':memory:' });
  const app = await buildApp({
    store,
    config: { publicUrl: 'http://localhost:8080', adminToken: undefined, rateLimitPerMinute: 0 },
  });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
    await store.close();
  }
}
