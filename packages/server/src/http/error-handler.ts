import { STATUS_CODES } from 'node:http';
import { ERROR_REASONS, type ErrorStatus } from '@conclave/schema';
import type { FastifyError, FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../store/store.js';
import { ConflictError, HttpError, ValidationFailed, type ValidationProblem } from './errors.js';
import { problemsFromAjv } from './validation.js';

function reasonOf(status: number): string {
  return ERROR_REASONS[status as ErrorStatus] ?? STATUS_CODES[status] ?? 'Error';
}

/**
 * The one place failures become wire bodies (D5, D6). 5xx bodies never carry the internal
 * message: the log has it, under the request id.
 */
export function installErrorHandling(app: FastifyInstance, config: { publicUrl: string }): void {
  const validationBody = (problems: ValidationProblem[]) => ({
    errors: problems.map((p) => ({
      type: 'validation_error',
      code: p.code,
      message: p.message,
      attribute: p.attribute,
      url: `${config.publicUrl}/docs/errors#${p.code}`,
    })),
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof ValidationFailed) {
      return reply.code(422).send(validationBody(error.problems));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      return reply
        .code(422)
        .send(validationBody(problemsFromAjv(fastifyError.validation as never)));
    }
    if (error instanceof ConflictError) {
      return reply
        .code(409)
        .send({ error: reasonOf(409), code: error.code, message: error.message });
    }
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send({ error: reasonOf(error.statusCode) });
    }
    if (error instanceof StoreUnavailableError) {
      request.log.error({ err: error.cause }, 'database unavailable');
      reply.header('Retry-After', '1');
      return reply.code(503).send({ error: reasonOf(503) });
    }
    const status = fastifyError.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: reasonOf(status) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: reasonOf(500) });
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: reasonOf(404) }));
}
