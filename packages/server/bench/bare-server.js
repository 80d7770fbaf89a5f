// Baseline (a): the cheapest possible Node HTTP server — `node:http` answering every request with a
// precomputed body (the bytes of Conclave's first-page response). Run as its own process, like the
// server, and driven by the same load generator. Plain JS so it runs without a TypeScript loader.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.env.BODY_FILE);
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(body.length),
};

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
