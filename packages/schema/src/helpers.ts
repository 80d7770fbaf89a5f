import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A string enum emitted as `{type: string, enum: [...]}` (not `anyOf` of consts) on the wire. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * `T | null` emitted as a JSON-Schema type array (`type: ['string', 'null']`), which OpenAPI 3.1
 * understands and which fast-json-stringify serialises without an `anyOf` branch per value.
 */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const { type, ...rest } = schema as unknown as { type: string } & Record<string, unknown>;
  if (typeof type !== 'string') throw new Error('Nullable() needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] });
}
