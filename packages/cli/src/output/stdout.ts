import { once } from 'node:events';

/**
 * Writes to stdout (or `stream`), waiting when the pipe is full so a long export never piles up
 * in memory.
 */
export async function write(
  text: string,
  stream: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** A line of explanation for people: stderr, so stdout stays the command's data. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
