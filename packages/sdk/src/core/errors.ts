import type { ConflictCode, ValidationErrorItem } from '@conclave/schema';

/**
 * The root of everything the SDK throws for a request: catch this one class to handle HTTP
 * refusals, connection failures, time-outs and aborts alike.
 *
 * Exported as `RestError` too, the name SignalWire's SDK uses for the same role.
 */
export class ConclaveError extends Error {
  /** The HTTP method of the failed request. */
  readonly method: string;
  /** The full URL of the failed request. */
  readonly url: string;
  /**
   * The server's `X-Request-Id` when it answered; otherwise the id the SDK sent with the
   * request. Quote it when asking why a call failed: every server log line carries it.
   */
  readonly requestId: string | undefined;

  constructor(
    message: string,
    init: { method: string; url: string; requestId?: string | undefined; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.method = init.method;
    this.url = init.url;
    this.requestId = init.requestId;
  }

  /** The HTTP status, or `null` when no response arrived (SignalWire SDK compatibility). */
  get statusCode(): number | null {
    return null;
  }
}

export interface ApiErrorInit {
  method: string;
  url: string;
  status: number;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  headers: Headers;
}

function describe(status: number, body: unknown, errors: ValidationErrorItem[]): string {
  if (errors.length > 0) {
    const details = errors.map((e) => (e.attribute ? `${e.attribute}: ${e.message}` : e.message));
    return `${status} ${details.join('; ')}`;
  }
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
    // Conclave's own API explains a 409: `{error, code, message}`.
    const { error, message } = body as { error: string; message?: unknown };
    return `${status} ${error}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return `${status} ${typeof body === 'string' && body !== '' ? body.slice(0, 200) : 'HTTP error'}`;
}

function validationErrors(body: unknown): ValidationErrorItem[] {
  if (!body || typeof body !== 'object') return [];
  const errors = (body as { errors?: unknown }).errors;
  return Array.isArray(errors) ? (errors as ValidationErrorItem[]) : [];
}

/** The server answered with a non-2xx status. Subclasses name the status. */
export class ApiError extends ConclaveError {
  /** The HTTP status code. */
  readonly status: number;
  /** The response body: parsed JSON (`{error}` or `{errors}`), or text when it was not JSON. */
  readonly body: unknown;
  /** The field problems of a 422 (`{type, code, message, attribute, url}` each); empty otherwise. */
  readonly errors: ValidationErrorItem[];
  /** The response headers. */
  readonly headers: Headers;

  constructor(init: ApiErrorInit) {
    const errors = validationErrors(init.body);
    super(describe(init.status, init.body, errors), {
      method: init.method,
      url: init.url,
      requestId: init.headers.get('x-request-id') ?? undefined,
    });
    this.status = init.status;
    this.body = init.body;
    this.errors = errors;
    this.headers = init.headers;
  }

  override get statusCode(): number {
    return this.status;
  }

  /** The one factory: the subclass for `init.status`, or `ApiError` itself for any other. */
  static from(init: ApiErrorInit): ApiError {
    const Class = STATUS_CLASSES[init.status];
    if (Class) return new Class(init);
    if (init.status >= 500) return new InternalServerError(init);
    return new ApiError(init);
  }
}

/** 400 — the body was not JSON, or not a JSON object. */
export class BadRequestError extends ApiError {}
/** 401 — missing or wrong project id / API token (or admin token). */
export class AuthenticationError extends ApiError {}
/** 403 — the API token lacks the scope this call needs. */
export class PermissionDeniedError extends ApiError {}
/** 404 — no such object in this project (or a path id that is not a UUID). */
export class NotFoundError extends ApiError {}
/** 405 — the path exists but not with this method. */
export class MethodNotAllowedError extends ApiError {}
/**
 * 409 — Conclave's own API (`client.conclave`): the request conflicts with a live session's
 * state. `code` says why: `not_publisher` (an audience member cannot be unmuted) or
 * `hosted_elsewhere` (the session is live on another Conclave process).
 */
export class ConflictError extends ApiError {
  /** The server's reason code (`body.code`). */
  get code(): ConflictCode | undefined {
    const code = (this.body as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? (code as ConflictCode) : undefined;
  }
}
/** 413 — the request body is over the server's limit (1 MiB). */
export class PayloadTooLargeError extends ApiError {}
/** 415 — the server refused the body's media type. */
export class UnsupportedMediaTypeError extends ApiError {}
/** 422 — validation failed; `errors` lists every failing field. */
export class UnprocessableEntityError extends ApiError {}
/** 429 — rate limited; retried automatically for idempotent calls, honouring `Retry-After`. */
export class RateLimitError extends ApiError {}
/** 500, and any 5xx without a class of its own. */
export class InternalServerError extends ApiError {}
/** 503 — the server (or its database) is unavailable for now. */
export class ServiceUnavailableError extends ApiError {}

const STATUS_CLASSES: Record<number, new (init: ApiErrorInit) => ApiError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  409: ConflictError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
  500: InternalServerError,
  503: ServiceUnavailableError,
};

/** No response arrived: the connection was refused, reset, or the name did not resolve. */
export class ApiConnectionError extends ConclaveError {}

/** No response arrived within the request's `timeout`. */
export class ApiTimeoutError extends ApiConnectionError {}

/** The caller's `AbortSignal` fired. Never retried. */
export class UserAbortError extends ConclaveError {}
