import { RestClient } from '@conclave/sdk';

const client = new RestClient();

// A Conclave extension: one log per session, in-progress then completed.
for await (const log of client.video.logs.list({ created_after: '2020-01-01' })) {
  if ('discarded_at' in log) continue; // only with include_deleted: true
  console.log(log.id, log.type, log.room_name, log.status, log.started_at, log.ended_at);
}

const page = await client.video.logs.list({ include_deleted: true, page_size: 10 });
console.log(`${page.data.length} logs on the first page`);
const newest = page.data[0];
if (newest) {
  const log = await client.video.logs.get(newest.id); // a discarded log keeps its discarded shape
  console.log(log.id, log.created_at);
}
