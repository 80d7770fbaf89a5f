/**
 * A type-level test of the public surface: this file runs nothing; `npm test` typechecks it
 * (tsconfig.check.json), so a change to a signature or a model fails the build. Every
 * `@ts-expect-error` line must stay an error.
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- values here exist to be read with `typeof` */
import type * as Schema from '@conclave/schema';
import type { Static } from '@sinclair/typebox';
import {
  AdminClient,
  ApiError,
  ConclaveError,
  RestClient,
  UnprocessableEntityError,
  type ApiToken,
  type Conference,
  type ConferenceToken,
  type CreatedApiToken,
  type CreateConferenceRequest,
  type FetchLike,
  type ListConferencesQuery,
  type Page,
  type PagePromise,
  type Project,
  type RequestOptions,
  type UpdateConferenceRequest,
  type ValidationErrorItem,
} from '@conclave/sdk';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<_T extends true>(): void {}

// Models and params are the schema's own types, not copies.
expectType<Equal<Conference, Static<typeof Schema.Conference>>>();
expectType<Equal<ConferenceToken, Static<typeof Schema.ConferenceToken>>>();
expectType<Equal<CreateConferenceRequest, Static<typeof Schema.CreateConferenceRequest>>>();
expectType<Equal<UpdateConferenceRequest, Static<typeof Schema.UpdateConferenceRequest>>>();
expectType<Equal<ListConferencesQuery, Static<typeof Schema.ListConferencesQuery>>>();
expectType<Equal<ValidationErrorItem, Static<typeof Schema.ValidationErrorItem>>>();
expectType<Equal<Project, Static<typeof Schema.Project>>>();

declare const client: RestClient;
declare const admin: AdminClient;
declare const options: RequestOptions;
const conferences = client.video.conferences;
const tokens = client.video.conferenceTokens;

// The official SDK's method names, with typed results.
expectType<Equal<ReturnType<typeof conferences.list>, PagePromise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.create>, Promise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.get>, Promise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.update>, Promise<Conference>>>();
expectType<Equal<ReturnType<typeof conferences.delete>, Promise<void>>>();
expectType<
  Equal<ReturnType<typeof conferences.listConferenceTokens>, PagePromise<ConferenceToken>>
>();
expectType<Equal<ReturnType<typeof tokens.get>, Promise<ConferenceToken>>>();
expectType<Equal<ReturnType<typeof tokens.reset>, Promise<ConferenceToken>>>();
expectType<Equal<ReturnType<typeof admin.projects.create>, Promise<Project>>>();
expectType<Equal<ReturnType<typeof admin.projects.list>, PagePromise<Project>>>();
expectType<Equal<ReturnType<typeof admin.apiTokens.create>, Promise<CreatedApiToken>>>();
expectType<Equal<ReturnType<typeof admin.apiTokens.list>, PagePromise<ApiToken>>>();
expectType<Equal<ReturnType<typeof admin.apiTokens.revoke>, Promise<void>>>();

export async function pages(): Promise<void> {
  // `await` gives a page; `for await` gives items; a page promise is a promise.
  const page = await conferences.list({ starts_after: '2025-01-01', page_size: 10 }, options);
  expectType<Equal<typeof page, Page<Conference>>>();
  expectType<Equal<typeof page.data, Conference[]>>();
  expectType<Equal<typeof page.links.next, string | undefined>>();
  expectType<Equal<ReturnType<typeof page.getNextPage>, Promise<Page<Conference>>>>();
  expectType<Equal<ReturnType<typeof page.hasNextPage>, boolean>>();
  const asPromise: Promise<Page<Conference>> = conferences.list();
  void asPromise;
  for await (const conference of conferences.list()) {
    expectType<Equal<typeof conference, Conference>>();
  }
  for await (const p of conferences.list().iterPages()) {
    expectType<Equal<typeof p, Page<Conference>>>();
  }
}

export async function misuse(): Promise<void> {
  // @ts-expect-error display_name is required on create
  await conferences.create({ name: 'no-display-name' });
  // @ts-expect-error quality is one of the schema's values
  await conferences.create({ display_name: 'x', quality: '4k' });
  // @ts-expect-error display_name is required on update (PUT)
  await conferences.update('id', { size: 'large' });
  // @ts-expect-error page_size is a number
  conferences.list({ page_size: '10' });
  // @ts-expect-error include_active_session is a boolean
  await conferences.get('id', { include_active_session: 'yes' });
  // @ts-expect-error request options come last and are typed
  await conferences.get('id', {}, { timeout: '5s' });
  // @ts-expect-error conference tokens have no update
  await tokens.update('id', {});
}

export function errors(error: unknown): void {
  if (error instanceof UnprocessableEntityError) {
    expectType<Equal<typeof error.errors, ValidationErrorItem[]>>();
  }
  if (error instanceof ApiError) {
    expectType<Equal<typeof error.status, number>>();
    expectType<Equal<typeof error.requestId, string | undefined>>();
    expectType<Equal<typeof error.body, unknown>>();
    expectType<Equal<typeof error.headers, Headers>>();
  }
  if (error instanceof ConclaveError) {
    expectType<Equal<typeof error.statusCode, number | null>>();
  }
}

export function construction(fetchImpl: FetchLike): void {
  new RestClient();
  new RestClient({ project: 'p', token: 't', host: 'h', fetch: fetchImpl, maxRetries: 0 });
  new RestClient({ fetchImpl, timeout: 5_000, defaultHeaders: { 'x-team': 'video' } });
  new AdminClient({ url: 'http://127.0.0.1:8080', adminToken: 'x' });
  // @ts-expect-error timeout is in milliseconds, a number
  new RestClient({ timeout: '30s' });
}
