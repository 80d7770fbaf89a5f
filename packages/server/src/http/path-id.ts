import { isUuid } from '../lib/ids.js';
import { HttpError } from './errors.js';

/** D7: a path id that is not a UUID names nothing, so it is a 404 like any missing object. */
export function requireUuid(id: string): string {
  if (!isUuid(id)) throw new HttpError(404);
  return id.toLowerCase();
}
