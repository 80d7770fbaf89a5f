import { Type, type Static } from '@sinclair/typebox';

/**
 * The one catalogue of validation codes (DECISIONS D5). The server serves each entry at
 * `/docs/errors#<code>`; the SDK and CLI use the same list.
 */
export const VALIDATION_CODES = {
  missing_required_parameter: 'The passed value is blank or empty, but it is required.',
  invalid_parameter: 'The passed value is not valid for this parameter.',
  not_a_string: 'The passed value must be a string.',
  not_a_boolean: 'The passed value must be a boolean.',
  not_a_datetime: 'The passed value must be an RFC 3339 date-time or a date.',
  invalid_join_until_date: "Join Until date can't be in the past of Join From date.",
  not_unique_within_project: 'Value must be unique within project.',
  page_token_required: 'A page token is required if the page_number value is greater than 0.',
  page_token_is_invalid: 'The provided page token is not valid.',
  exceeds_platform_stream_limit:
    'Adding an additional stream would exceed the allowed number of streams per room.',
} as const;
export type ValidationCode = keyof typeof VALIDATION_CODES;

/** The reason phrases of the plain error bodies (D6). */
export const ERROR_REASONS = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
} as const;
export type ErrorStatus = keyof typeof ERROR_REASONS;

export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'HTTP reason phrase' }) },
  { title: 'ErrorBody', additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const ValidationErrorItem = Type.Object(
  {
    type: Type.String({ description: 'Always `validation_error`' }),
    code: Type.String({ description: 'A code from the error reference' }),
    message: Type.String(),
    attribute: Type.Union([Type.String(), Type.Null()], {
      description: 'The request parameter that failed',
    }),
    url: Type.String({ description: 'Link to this code in the error reference' }),
  },
  { title: 'ValidationErrorItem', additionalProperties: false },
);
export type ValidationErrorItem = Static<typeof ValidationErrorItem>;

export const ValidationErrorBody = Type.Object(
  { errors: Type.Array(ValidationErrorItem) },
  { title: 'ValidationErrorBody', additionalProperties: false },
);
export type ValidationErrorBody = Static<typeof ValidationErrorBody>;
