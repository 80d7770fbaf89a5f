import {
  ApiConnectionError,
  ApiError,
  ConclaveError,
  NotFoundError,
  RestClient,
  UnprocessableEntityError,
} from '@conclave/sdk';

const client = new RestClient();

try {
  await client.video.conferences.get('00000000-0000-4000-8000-000000000000');
} catch (error) {
  if (error instanceof NotFoundError) {
    console.log(error.status, error.body, error.requestId); // 404 { error: 'Not Found' } '…'
  } else {
    throw error;
  }
}

await client.video.conferences.create({ display_name: 'Town hall', name: 'town-hall' });
try {
  await client.video.conferences.create({ display_name: 'Town hall again', name: 'town-hall' });
} catch (error) {
  if (error instanceof UnprocessableEntityError) {
    for (const e of error.errors) console.log(e.attribute, e.code, e.message, e.url);
    // name not_unique_within_project …
  }
}

try {
  await client.video.conferences.list();
} catch (error) {
  if (error instanceof ApiError) {
    console.log(`refused: ${error.status} ${error.message} (request ${error.requestId})`);
  } else if (error instanceof ApiConnectionError) {
    console.log(`unreachable: ${error.message}`); // ApiTimeoutError is one of these
  } else if (error instanceof ConclaveError) {
    console.log(`aborted: ${error.message}`); // UserAbortError
  }
}
