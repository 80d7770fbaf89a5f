import {
  CONFLICT_CODES,
  ERROR_REASONS,
  type ConflictCode,
  VALIDATION_CODES,
  type ErrorStatus,
  type ValidationCode,
} from '@conclave/schema';

/** A failure answered with a plain `{"error": "<reason>"}` body (D6). */
export class HttpError extends Error {
  constructor(readonly statusCode: ErrorStatus) {
    super(ERROR_REASONS[statusCode]);
    this.name = 'HttpError';
  }
}

/**
 * A 409 of Conclave's own API (`/conclave/v1`): the request conflicts with the state of a live
 * session. Answered `{"error":"Conflict","code","message"}` — the usual shape plus why (E81).
 */
export class ConflictError extends Error {
  readonly statusCode = 409;
  constructor(
    readonly code: ConflictCode,
    message: string = CONFLICT_CODES[code],
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface ValidationProblem {
  code: ValidationCode;
  attribute: string | null;
  message: string;
}

/** A failure answered with a 422 `{"errors": [...]}` body (D5), one item per failing field. */
export class ValidationFailed extends Error {
  readonly problems: ValidationProblem[];
  constructor(problems: ValidationProblem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'ValidationFailed';
    this.problems = problems;
  }
}

export function problem(
  code: ValidationCode,
  attribute: string | null,
  message: string = VALIDATION_CODES[code],
): ValidationProblem {
  return { code, attribute, message };
}

/** Collects field problems and throws them together, so a client sees every bad field at once. */
export class ProblemList {
  private readonly items: ValidationProblem[] = [];
  add(item: ValidationProblem): void {
    if (!this.items.some((p) => p.attribute === item.attribute)) this.items.push(item);
  }
  throwIfAny(): void {
    if (this.items.length > 0) throw new ValidationFailed(this.items);
  }
}
