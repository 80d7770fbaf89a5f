import { ApiError, ConclaveError } from '@conclave/sdk';

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure already reported on stderr in full: exit code 1, nothing more to print. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
}

/**
 * The lines that explain an SDK failure: the server's refusal with each field problem, or why
 * no answer came, and the request id to find it in the server's log.
 */
export function describeFailure(error: unknown): string[] {
  if (error instanceof ApiError) {
    const lines: string[] = [];
    if (error.errors.length > 0) {
      lines.push(`the server refused the request (${error.status}):`);
      for (const e of error.errors) {
        lines.push(`  ${e.attribute ?? '(request)'}: ${e.code} — ${e.message}`);
      }
    } else {
      const reason =
        error.body && typeof error.body === 'object' && 'error' in error.body
          ? String((error.body as { error: unknown }).error)
          : 'HTTP error';
      lines.push(`the server refused the request: ${error.status} ${reason}`);
      // Conclave's own API says why a 409 happened (`{error, code, message}`).
      const body = error.body as { code?: unknown; message?: unknown } | undefined;
      if (typeof body?.code === 'string' && typeof body.message === 'string') {
        lines.push(`  ${body.code}: ${body.message}`);
      }
      if (error.status === 401) lines.push('  check the project id and token (or admin token)');
    }
    if (error.requestId) lines.push(`  request id: ${error.requestId}`);
    return lines;
  }
  if (error instanceof ConclaveError) {
    const lines = [`${error.message} (${error.method} ${error.url})`];
    if (error.requestId) lines.push(`  request id: ${error.requestId}`);
    return lines;
  }
  return [error instanceof Error ? error.message : String(error)];
}
