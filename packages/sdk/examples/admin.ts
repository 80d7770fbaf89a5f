import { AdminClient, RestClient } from '@conclave/sdk';

// Reads CONCLAVE_URL and CONCLAVE_ADMIN_TOKEN; or pass { url, adminToken }.
const admin = new AdminClient();

const project = await admin.projects.create({ name: 'Acme' });

// The secret is in this response only; the server keeps a hash.
const created = await admin.apiTokens.create(project.id, { name: 'ci', scopes: ['video'] });
const acme = new RestClient({ project: project.id, token: created.token, host: admin.baseUrl });
console.log((await acme.video.conferences.list()).data.length); // 0

const { data: tokens } = await admin.apiTokens.list(project.id);
console.log(tokens.map((t) => `${t.name} ${t.prefix}…`));

for await (const p of admin.projects.list({ page_size: 100 })) console.log(p.id, p.name);

// A new room-token signing key; tokens signed with the old one stay valid for a grace period.
const rotation = await admin.rotateRoomTokenSecret(project.id);
console.log(rotation.kid, rotation.retired?.verifiable_until);

await admin.apiTokens.revoke(project.id, created.id); // refused from the next request on
await admin.projects.delete(project.id); // and everything in it
