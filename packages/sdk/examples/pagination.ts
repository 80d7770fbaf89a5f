import { RestClient } from '@conclave/sdk';

const client = new RestClient();
for (let i = 0; i < 5; i++) {
  await client.video.conferences.create({ display_name: `Standup ${i}`, join_from: '2030-06-01' });
}

// `await` gives one page.
const page = await client.video.conferences.list({ page_size: 2 });
console.log(page.data.length, page.links.next);

// Walk page by page.
let current = page;
while (current.hasNextPage()) {
  current = await current.getNextPage();
  console.log(current.data.map((c) => c.name));
}

// `for await` gives every item of every page, fetched as you go (filters carry over).
for await (const conference of client.video.conferences.list({
  starts_after: '2030-06-01',
  page_size: 100,
})) {
  console.log(conference.display_name);
}

// Or every page.
for await (const p of client.video.conferences.list({ page_size: 2 }).iterPages()) {
  console.log(p.data.length);
}

// Stop now, resume later: nextPageParams() is the query of links.next.
const saved = page.nextPageParams();
if (saved) {
  const later = await client.video.conferences.list(saved);
  console.log(later.data.length);
}
