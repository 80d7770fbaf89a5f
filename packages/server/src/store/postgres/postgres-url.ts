export interface PostgresUrl {
  /** The URL as `pg` should see it: without `schema` and `options`, which are returned apart. */
  connectionString: string;
  schema: string | undefined;
  /** libpq `options` (e.g. `-c search_path=xyz`), if the URL had them. */
  options: string | undefined;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Reads the schema a URL asks for: `?schema=name` (as Prisma and others spell it) or libpq's
 * `?options=-c search_path=name`. Only plain identifiers are accepted, so the name never needs
 * quoting.
 */
export function parsePostgresUrl(connectionString: string): PostgresUrl {
  const url = new URL(connectionString);
  const options = url.searchParams.get('options') ?? undefined;
  let schema = url.searchParams.get('schema') ?? undefined;
  if (schema === undefined && options !== undefined) {
    schema = /(?:^|\s)-c\s*search_path=([^\s,]+)/.exec(options)?.[1];
  }
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema name must be a plain identifier: ${schema}`);
  }
  url.searchParams.delete('schema');
  url.searchParams.delete('options');
  return { connectionString: url.toString(), schema, options };
}
