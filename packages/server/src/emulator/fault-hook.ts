import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { FaultRules } from './fault-rules.js';

/** Response header naming the scripted fault a response came from. */
export const FAULT_HEADER = 'x-conclave-fault';

/**
 * An onRequest hook, placed after authentication in the API's scopes (`/api/video`,
 * `/conclave/v1`): the request's fault, if one matches, is applied here. A status is answered
 * through the one error handler, so its body is the API's own.
 */
export function faultHook(rules: FaultRules) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    if (rules.size === 0) return;
    const query = request.url.indexOf('?');
    const path = query < 0 ? request.url : request.url.slice(0, query);
    const fault = rules.take(request.method, path, request.projectId);
    if (!fault) return;
    request.log.info({ fault: fault.faultId }, 'emulator: scripted fault applied');
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (fault.drop) {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (fault.status !== null) {
      reply.header(FAULT_HEADER, fault.faultId);
      if (fault.retryAfter !== null) reply.header('Retry-After', String(fault.retryAfter));
      throw new HttpError(fault.status);
    }
  };
}
