import {
  ERROR_REASONS,
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
