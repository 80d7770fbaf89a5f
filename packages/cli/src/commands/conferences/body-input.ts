import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  addFieldOptions,
  bodyFromFlags,
  parseJsonObject,
  type FieldSpec,
} from '../../conference-fields.js';
import { UsageError } from '../../errors.js';

/** The field flags of a body plus `--data`, for `create` and `update`. */
export function addBodyOptions(command: Command, fields: FieldSpec[]): Command {
  command.option('--data <json>', 'the body as a JSON object, or @file.json; field flags win');
  return addFieldOptions(command, fields);
}

/** `--data` merged with the field flags. */
export function bodyFromOptions(
  flags: Record<string, unknown>,
  fields: FieldSpec[],
): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  if (typeof flags.data === 'string') {
    const text = flags.data.startsWith('@') ? readData(flags.data.slice(1)) : flags.data;
    data = parseJsonObject(text, '--data');
  }
  return { ...data, ...bodyFromFlags(flags, fields) };
}

function readData(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
