import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminClient, RestClient, type Conference } from '@conclave/sdk';
import { startConclave, type Conclave } from '@conclave/testkit';
import { cleanEnv, runCli } from './helpers/run-cli.js';

let server: Conclave;
let env: NodeJS.ProcessEnv;
let client: RestClient;
const dir = mkdtempSync(join(tmpdir(), 'conclave-cli-import-'));
const conclave = (...args: string[]) => runCli(args, { env });

before(async () => {
  server = await startConclave();
  env = cleanEnv({
    CONCLAVE_URL: server.url,
    SIGNALWIRE_PROJECT_ID: server.projectId,
    SIGNALWIRE_API_TOKEN: server.apiToken,
  });
  client = new RestClient({ project: server.projectId, token: server.apiToken, host: server.url });
});
after(() => server.close());

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function names(params: { starts_after?: string } = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const c of client.video.conferences.list({ ...params, page_size: 1000 })) {
    out.push(c.name);
  }
  return out.reverse(); // oldest first: the order they were imported in
}

/** A fresh project, its own conferences, as a second environment to import into. */
async function newProject(): Promise<{ env: NodeJS.ProcessEnv; client: RestClient }> {
  const admin = new AdminClient({ url: server.url, adminToken: server.adminToken });
  const project = await admin.projects.create({ name: 'target' });
  const { token } = await admin.apiTokens.create(project.id, { name: 'import' });
  return {
    env: cleanEnv({
      CONCLAVE_URL: server.url,
      SIGNALWIRE_PROJECT_ID: project.id,
      SIGNALWIRE_API_TOKEN: token,
    }),
    client: new RestClient({ project: project.id, token, host: server.url }),
  };
}

describe('conclave conferences import (CSV)', () => {
  const csv = [
    'name,display_name,size,enable_chat,join_from,meta,description',
    'csv-1,First,small,true,2032-01-01,,"with, a comma"',
    'csv-2,"Second ""quoted""",medium,false,2032-01-02,"{""k"":1}","two',
    'lines"',
    '',
    'csv-3,Third,huge,true,2032-01-03,,', // line 6: a size the server refuses
    'csv-4,Fourth,large,,2032-01-04,,',
    'csv-5,Fifth,small,maybe,2032-01-05,,', // line 8: not a boolean
    'csv-6,Sixth,small,true,2032-01-06,,',
  ].join('\n');

  it('stops at the first refused record, naming its line, and resumes with --skip', async () => {
    const path = file('conferences.csv', csv);
    const first = await conclave('conferences', 'import', path);
    assert.equal(first.code, 1);
    assert.equal(first.stdout, '');
    assert.match(
      first.stderr,
      /^conclave: import stopped at line 6 of .*conferences\.csv \(record 3\):$/m,
    );
    assert.match(first.stderr, /^ {4}size: invalid_parameter — /m);
    assert.match(first.stderr, /^ {4}request id: [0-9a-f-]{36}$/m);
    assert.match(first.stderr, /^2 conferences imported by this run; records 1–2 are done\.$/m);
    assert.match(
      first.stderr,
      /^Fix line 6 and resume: +conclave conferences import \S+ --skip 2$/m,
    );
    assert.match(
      first.stderr,
      /^or leave record 3 out: +conclave conferences import \S+ --skip 3$/m,
    );
    assert.deepEqual(await names({ starts_after: '2032-01-01' }), ['csv-1', 'csv-2']);

    const csv2 = await client.video.conferences.list({ starts_after: '2032-01-02' });
    assert.equal(csv2.data[0]!.display_name, 'Second "quoted"');
    assert.equal(csv2.data[0]!.description, 'two\nlines');
    assert.equal(csv2.data[0]!.enable_chat, false);
    assert.deepEqual(csv2.data[0]!.meta, { k: 1 });

    const second = await conclave('conferences', 'import', path, '--skip', '3');
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      /import stopped at line 8 .*\(record 5\):\n {2}enable_chat must be true or false, not "maybe"/,
    );
    assert.match(second.stderr, /^1 conference imported by this run; records 1–4 are done\.$/m);

    const third = await conclave('conferences', 'import', path, '--skip', '5', '--json');
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(JSON.parse(third.stdout), { imported: 1, skipped: 5, records: 6 });
    assert.deepEqual(await names({ starts_after: '2032-01-01' }), [
      'csv-1',
      'csv-2',
      'csv-4',
      'csv-6',
    ]);
  });

  it('refuses unknown columns before importing anything (exit 2)', async () => {
    const path = file('typo.csv', 'name,dispaly_name\nx,y\n');
    const r = await conclave('conferences', 'import', path);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown column dispaly_name/);
  });

  it('reports broken CSV quoting at its line', async () => {
    const path = file('broken.csv', 'display_name,name\nOK,broken-ok\n"Bad"x,broken-bad\n');
    const r = await conclave('conferences', 'import', path);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /import stopped at line 3 .*\(record 2\):\n {2}unexpected "x" after a closing quote/,
    );
    assert.match(r.stderr, /1 conference imported by this run; records 1–1 are done/);
  });
});

describe('conclave conferences import (JSON Lines)', () => {
  it('reports a line that is not JSON, and --skip can leave it out', async () => {
    const path = file(
      'conferences.jsonl',
      [
        '{"display_name":"J one","name":"jsonl-1","join_from":"2033-01-01"}',
        '{"display_name":"J two","name":"jsonl-2","join_from":"2033-01-02"',
        '',
        '{"display_name":"J three","name":"jsonl-3","join_from":"2033-01-03","record_on_start":true}',
      ].join('\n'),
    );
    const first = await conclave('conferences', 'import', path);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /import stopped at line 2 .*\(record 2\):\n {2}not valid JSON/);
    const rest = await conclave('conferences', 'import', path, '--skip', '2', '--jsonl');
    assert.equal(rest.code, 0, rest.stderr);
    const created = JSON.parse(rest.stdout) as Conference;
    assert.equal(created.name, 'jsonl-3');
    assert.equal(created.record_on_start, true);
    assert.deepEqual(await names({ starts_after: '2033-01-01' }), ['jsonl-1', 'jsonl-3']);
  });

  it('reads standard input with - and --format', async () => {
    const r = await runCli(['conferences', 'import', '-', '--format', 'jsonl'], {
      env,
      input: '{"display_name":"From stdin","name":"stdin-1"}\n',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Imported 1 conference\n');
    const missing = await conclave('conferences', 'import', '-');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pass --format/);
  });
});

describe('conclave conferences export', () => {
  it('round-trips through JSON Lines into another project', async () => {
    const out = join(dir, 'export.jsonl');
    const exported = await conclave('conferences', 'export', '--output', out);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.match(exported.stdout, new RegExp(`^Exported ${lines.length} conferences to `));

    const target = await newProject();
    const imported = await runCli(['conferences', 'import', out], { env: target.env });
    assert.equal(imported.code, 0, imported.stderr);
    const strip = (c: Conference) => ({ ...c, id: '', created_at: '', updated_at: '' });
    // The export is newest first and the import creates in file order, so the copy's list
    // (newest first) is the export reversed.
    const source = lines.map((l) => strip(JSON.parse(l) as Conference));
    const copied: Conference[] = [];
    for await (const c of target.client.video.conferences.list()) copied.push(c);
    assert.equal(copied.length, source.length);
    assert.deepEqual(copied.map(strip).reverse(), source);
  });

  it('round-trips through CSV, and filters', async () => {
    const csv = await conclave(
      'conferences',
      'export',
      '--format',
      'csv',
      '--starts-after',
      '2032-01-01',
    );
    assert.equal(csv.code, 0, csv.stderr);
    const [header] = csv.stdout.split('\n');
    assert.equal(header!.split(',')[0], 'id');
    assert.ok(header!.includes(',display_name,') && header!.includes(',meta,'));

    const path = file('export.csv', csv.stdout);
    const target = await newProject();
    const imported = await runCli(['conferences', 'import', path, '--json'], { env: target.env });
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).imported, 6);
    const copied: Conference[] = [];
    for await (const c of target.client.video.conferences.list()) copied.push(c);
    const second = copied.find((c) => c.name === 'csv-2')!;
    assert.equal(second.description, 'two\nlines');
    assert.deepEqual(second.meta, { k: 1 });
    assert.equal(second.enable_chat, false);
  });
});
