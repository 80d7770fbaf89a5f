import { RestClient, type FetchLike } from '@conclave/sdk';

// Client-wide: time-out per attempt (ms), retries, headers, and your own fetch.
const logged: FetchLike = async (url, init) => {
  const response = await fetch(url, init);
  console.log(init.method, url, response.status);
  return response;
};
const client = new RestClient({
  timeout: 10_000,
  maxRetries: 4,
  defaultHeaders: { 'X-Team': 'video' },
  fetch: logged,
});

// Per call, always the last argument.
const controller = new AbortController();
const page = await client.video.conferences.list(
  { page_size: 10 },
  {
    timeout: 2_000,
    maxRetries: 0,
    signal: controller.signal,
    headers: { 'X-Request-Id': 'job-42' },
  },
);
console.log(page.data.length);

const conference = await client.video.conferences.create(
  { display_name: 'Options' },
  { headers: { 'X-Request-Id': 'create-options' } },
);
await client.video.conferences.get(conference.id, {}, { timeout: 1_000 });
await client.video.conferences.delete(conference.id, { maxRetries: 5 });
