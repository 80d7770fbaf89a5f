/**
 * Reads an environment variable where there is an environment (Node, Deno, Bun) and returns
 * `undefined` in a browser, without importing anything Node-only.
 */
export function readEnv(name: string): string | undefined {
  const host = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const value = host.process?.env?.[name];
  return value === undefined || value === '' ? undefined : value;
}
