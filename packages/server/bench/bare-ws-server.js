// Baseline of `npm run bench -- sessions`: the least a WebSocket signal relay can do in Node — the
// `ws` package, as Conclave uses it, with none of Conclave's work (no token, database, schema
// validation, rate limit or heartbeat). It speaks just enough of the realtime protocol for the
// benchmark's clients: `join` (the token names the group) → `joined` with a member id; `signal`
// is parsed and relayed as `{"type":"signal","from":…,"data":…}` (one JSON.parse and one
// JSON.stringify per frame, which any relay that names the sender must do); `leave` closes with
// 1000. It also answers plain HTTP GETs with 200, so that the benchmark can wait for it to be
// ready. Run as its own process, like the server. Plain JS so it runs without a TypeScript loader.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
const wss = new WebSocketServer({ server, maxPayload: 128 * 1024 });
/** member id → socket */
const members = new Map();
/** token → Set of member ids */
const groups = new Map();

wss.on('connection', (socket) => {
  let id;
  let group;
  socket.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      socket.close(4000, 'bad_message');
      return;
    }
    if (msg.type === 'signal' && id !== undefined) {
      const target = members.get(msg.to);
      if (target) target.send(JSON.stringify({ type: 'signal', from: id, data: msg.data }));
      else socket.send(JSON.stringify({ type: 'error', code: 'member_not_found', message: '' }));
    } else if (msg.type === 'join' && id === undefined) {
      id = randomUUID();
      group = groups.get(msg.token);
      if (!group) groups.set(msg.token, (group = new Set()));
      const others = [...group].map((m) => ({ id: m }));
      group.add(id);
      members.set(id, socket);
      socket.send(
        JSON.stringify({ type: 'joined', member: { id, name: msg.name }, members: others }),
      );
    } else if (msg.type === 'leave') {
      socket.close(1000, 'left');
    } else {
      socket.close(4000, 'bad_message');
    }
  });
  socket.on('close', () => {
    if (id === undefined) return;
    members.delete(id);
    group.delete(id);
  });
  socket.on('error', () => {});
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  server.close(() => process.exit(0));
});
