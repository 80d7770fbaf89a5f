/**
 * @conclave/sdk — the TypeScript client of Conclave's SignalWire-compatible Video REST API.
 * Runs in Node 20+, browsers, Deno and Bun: nothing here imports a Node-only module.
 */
export { RestClient, type ClientOptions, type TransportOptions } from './rest-client.js';
export { AdminClient, type AdminClientOptions } from './admin-client.js';
export { Page, PagePromise, type ListBody } from './core/pagination.js';
export type { FetchLike, RequestOptions } from './core/request-options.js';
export {
  ApiConnectionError,
  ApiError,
  ApiTimeoutError,
  AuthenticationError,
  BadRequestError,
  ConclaveError,
  ConclaveError as RestError,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UserAbortError,
  type ApiErrorInit,
} from './core/errors.js';
export { Video } from './resources/video/video.js';
export { Conferences } from './resources/video/conferences.js';
export { ConferenceTokens } from './resources/video/conference-tokens.js';
export { Projects } from './resources/admin/projects.js';
export { ApiTokens } from './resources/admin/api-tokens.js';
export { VERSION } from './version.js';
export type {
  ActiveSession,
  ApiToken,
  ApiTokenScope,
  Conference,
  ConferenceSize,
  ConferenceToken,
  CreateApiTokenRequest,
  CreateConferenceRequest,
  CreatedApiToken,
  CreateProjectRequest,
  GetConferenceQuery,
  ListConferencesQuery,
  ListPageQuery,
  PaginationLinks,
  Project,
  UpdateConferenceRequest,
  ValidationErrorItem,
  VideoLayout,
  VideoQuality,
} from '@conclave/schema';
