import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ROOM_SELF_SCOPES, ROOM_TOKEN_PERMISSIONS } from '@conclave/schema';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import {
  ROOM_TOKEN_KEY_GRACE_MS,
  RoomTokenRejected,
  verifyRoomToken,
  type RoomTokenRejection,
} from '../src/auth/room-tokens.js';
import {
  ADMIN_TOKEN,
  startTestServer,
  type ApiResponse,
  type TestServer,
} from './helpers/test-server.js';

// The clock the server signs with; tests move it to cross the key's grace period.
let clockMs = Date.UTC(2026, 0, 1, 12);
const clock = () => clockMs;

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: clock });
});
after(async () => {
  await server.close();
});

type Project = TestServer['project'];

const mint = (body: unknown, project?: Project) =>
  server.api('/api/video/room_tokens', { method: 'POST', body, ...(project ? { project } : {}) });

async function token(body: Record<string, unknown>, project?: Project): Promise<string> {
  const res = await mint({ room_name: 'my_room', ...body }, project);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['token']);
  return res.body.token as string;
}

function expectErrors(res: ApiResponse, expected: [attribute: string | null, code: string][]) {
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.deepEqual(
    res.body.errors.map((e: { attribute: string | null; code: string }) => [e.attribute, e.code]),
    expected,
  );
  for (const e of res.body.errors) {
    assert.equal(e.type, 'validation_error');
    assert.equal(e.url, `${server.url}/docs/errors#${e.code}`);
  }
}

/** The key the server signed with, read from the store (tests only: it never leaves the server). */
async function keyOf(jwt: string): Promise<Uint8Array> {
  const { kid } = decodeProtectedHeader(jwt);
  const key = await server.store.getRoomTokenKey(kid!);
  assert.ok(key, 'signing key stored');
  return Buffer.from(key.secret, 'base64url');
}

async function rejection(jwt: string, now?: number): Promise<RoomTokenRejection> {
  try {
    await verifyRoomToken(server.store, jwt, now === undefined ? {} : { now });
  } catch (error) {
    assert.ok(error instanceof RoomTokenRejected, String(error));
    return error.reason;
  }
  assert.fail('the token was accepted');
}

const rotate = (projectId: string, auth = `Bearer ${ADMIN_TOKEN}`) =>
  fetch(`${server.url}/admin/v1/projects/${projectId}/room_token_secret/rotate`, {
    method: 'POST',
    headers: { authorization: auth },
  });

describe('POST /api/video/room_tokens', () => {
  it('returns a VRT/HS512 JWT carrying the defaults, verifiable with the project key', async () => {
    const jwt = await token({});
    const header = decodeProtectedHeader(jwt);
    assert.deepEqual(Object.keys(header).sort(), ['alg', 'ch', 'kid', 'typ']);
    // Where SignalWire's browser SDK connects: the relay under the public URL.
    assert.equal(header.ch, server.url.replace(/^http/, 'ws') + '/api/video/relay');
    assert.equal(header.typ, 'VRT');
    assert.equal(header.alg, 'HS512');
    const { payload, protectedHeader } = await jwtVerify(jwt, await keyOf(jwt), {
      algorithms: ['HS512'],
      typ: 'VRT',
      subject: server.project.id,
    });
    assert.equal(protectedHeader.kid, header.kid);
    assert.match(payload.jti!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      { ...payload, jti: undefined },
      {
        iat: clockMs / 1000,
        jti: undefined,
        sub: server.project.id,
        r: 'my_room',
        s: [...ROOM_SELF_SCOPES],
        acr: true,
        jam: false,
        jvm: false,
        erp: false,
        erl: false,
        ja: 'member',
        ma: 'all',
        sav: false,
      },
    );
    // The claims of the spec's example come first, in its order.
    assert.deepEqual(Object.keys(payload).slice(0, 6), ['iat', 'jti', 'sub', 'r', 's', 'acr']);
  });

  it('maps every request field to its claim', async () => {
    const jwt = await token({
      room_name: 'All-Hands_2',
      user_name: 'John Doe',
      permissions: ['room.self.audio_unmute', 'room.member.remove', 'room.recording'],
      join_from: '2021-05-13T09:00:00Z',
      join_until: '2021-05-13T13:39:28+02:00',
      remove_at: '2021-05-13',
      remove_after_seconds_elapsed: 900,
      join_audio_muted: true,
      join_video_muted: true,
      auto_create_room: false,
      enable_room_previews: true,
      room_display_name: 'All hands',
      end_room_session_on_leave: true,
      join_as: 'member',
      media_allowed: 'audio-only',
      room_meta: { topic: 'q3' },
      meta: { seat: 4 },
      sync_audio_video: true,
      unknown: 'ignored',
    });
    const payload = decodeJwt(jwt);
    assert.deepEqual(
      { ...payload, jti: undefined },
      {
        iat: clockMs / 1000,
        jti: undefined,
        sub: server.project.id,
        u: 'John Doe',
        r: 'All-Hands_2',
        s: ['room.self.audio_unmute', 'room.member.remove', 'room.recording'],
        acr: false,
        jf: 1620896400,
        ju: 1620905968,
        rat: 1620864000,
        rse: 900,
        jam: true,
        jvm: true,
        erp: true,
        rdn: 'All hands',
        erl: true,
        ja: 'member',
        ma: 'audio-only',
        rm: { topic: 'q3' },
        m: { seat: 4 },
        sav: true,
      },
    );
    const grants = await verifyRoomToken(server.store, jwt);
    assert.deepEqual(
      { ...grants, tokenId: undefined, keyId: undefined },
      {
        tokenId: undefined,
        keyId: undefined,
        projectId: server.project.id,
        issuedAt: clockMs / 1000,
        roomName: 'All-Hands_2',
        userName: 'John Doe',
        permissions: ['room.self.audio_unmute', 'room.member.remove', 'room.recording'],
        autoCreateRoom: false,
        joinFrom: 1620896400,
        joinUntil: 1620905968,
        removeAt: 1620864000,
        removeAfterSecondsElapsed: 900,
        joinAudioMuted: true,
        joinVideoMuted: true,
        enableRoomPreviews: true,
        roomDisplayName: 'All hands',
        endRoomSessionOnLeave: true,
        joinAs: 'member',
        mediaAllowed: 'audio-only',
        roomMeta: { topic: 'q3' },
        meta: { seat: 4 },
        syncAudioVideo: true,
      },
    );
    assert.equal(grants.tokenId, payload.jti);
    assert.equal(grants.keyId, decodeProtectedHeader(jwt).kid);
  });

  it('accepts every permission of the enum, and an empty list', async () => {
    const all = decodeJwt(await token({ permissions: [...ROOM_TOKEN_PERMISSIONS] }));
    assert.deepEqual(all.s, [...ROOM_TOKEN_PERMISSIONS]);
    assert.equal(ROOM_TOKEN_PERMISSIONS.length, 44);
    assert.deepEqual(decodeJwt(await token({ permissions: [] })).s, []);
  });

  it('gives an audience member no permissions, whatever was asked', async () => {
    const jwt = await token({ join_as: 'audience', permissions: ['room.member.remove'] });
    const payload = decodeJwt(jwt);
    assert.deepEqual(payload.s, []);
    assert.equal(payload.ja, 'audience');
    assert.deepEqual(decodeJwt(await token({ join_as: 'audience' })).s, []);
  });

  it('gives each token its own id', async () => {
    const a = decodeJwt(await token({}));
    const b = decodeJwt(await token({}));
    assert.notEqual(a.jti, b.jti);
  });

  it('validates every field, reporting each failing one', async () => {
    const res = await mint({
      room_name: 'bad name',
      user_name: 'u'.repeat(101),
      permissions: ['room.self.audio_mute', 'room.fly'],
      join_from: 'soon',
      join_until: '2021-13-01',
      remove_at: 17,
      remove_after_seconds_elapsed: 0,
      join_audio_muted: 'no',
      join_video_muted: 0,
      auto_create_room: 'true',
      enable_room_previews: null,
      room_display_name: 'd'.repeat(201),
      end_room_session_on_leave: [],
      join_as: 'speaker',
      media_allowed: 'none',
      room_meta: [],
      meta: 'm',
      sync_audio_video: 'false',
    });
    assert.equal(res.status, 422);
    const byAttribute = Object.fromEntries(
      res.body.errors.map((e: { attribute: string; code: string }) => [e.attribute, e.code]),
    );
    assert.deepEqual(byAttribute, {
      room_name: 'invalid_parameter',
      user_name: 'invalid_parameter',
      permissions: 'invalid_parameter',
      join_from: 'not_a_datetime',
      join_until: 'not_a_datetime',
      remove_at: 'not_a_string',
      remove_after_seconds_elapsed: 'invalid_parameter',
      join_audio_muted: 'not_a_boolean',
      join_video_muted: 'not_a_boolean',
      auto_create_room: 'not_a_boolean',
      enable_room_previews: 'not_a_boolean',
      room_display_name: 'invalid_parameter',
      end_room_session_on_leave: 'not_a_boolean',
      join_as: 'invalid_parameter',
      media_allowed: 'invalid_parameter',
      room_meta: 'invalid_parameter',
      meta: 'invalid_parameter',
      sync_audio_video: 'not_a_boolean',
    });
  });

  it('requires room_name and checks its length and pattern', async () => {
    expectErrors(await mint({}), [['room_name', 'missing_required_parameter']]);
    expectErrors(await mint({ room_name: '' }), [['room_name', 'missing_required_parameter']]);
    expectErrors(await mint({ room_name: 'r'.repeat(101) }), [['room_name', 'invalid_parameter']]);
    expectErrors(await mint({ room_name: 'a/b' }), [['room_name', 'invalid_parameter']]);
    expectErrors(await mint({ room_name: 5 }), [['room_name', 'not_a_string']]);
    assert.equal((await mint({ room_name: 'r'.repeat(100) })).status, 200);
    assert.equal((await mint({ room_name: 'r', user_name: 'u'.repeat(100) })).status, 200);
  });

  it('checks permissions: a list of known values, each once', async () => {
    expectErrors(await mint({ room_name: 'r', permissions: 'room.self.deaf' }), [
      ['permissions', 'invalid_parameter'],
    ]);
    expectErrors(await mint({ room_name: 'r', permissions: ['room.stream.start'] }), [
      ['permissions', 'invalid_parameter'],
    ]);
    expectErrors(await mint({ room_name: 'r', permissions: [7] }), [
      ['permissions', 'not_a_string'],
    ]);
    expectErrors(
      await mint({ room_name: 'r', permissions: ['room.self.deaf', 'room.self.deaf'] }),
      [['permissions', 'invalid_parameter']],
    );
  });

  it('checks remove_after_seconds_elapsed: above 0, at most 200000, whole', async () => {
    for (const bad of [0, -1, 200001, 1.5]) {
      expectErrors(await mint({ room_name: 'r', remove_after_seconds_elapsed: bad }), [
        ['remove_after_seconds_elapsed', 'invalid_parameter'],
      ]);
    }
    for (const good of [1, 200000]) {
      const jwt = await token({ remove_after_seconds_elapsed: good });
      assert.equal(decodeJwt(jwt).rse, good);
    }
  });

  it('refuses a join_until before join_from', async () => {
    expectErrors(
      await mint({
        room_name: 'r',
        join_from: '2030-01-02T00:00:00Z',
        join_until: '2030-01-01T00:00:00Z',
      }),
      [['join_until', 'invalid_join_until_date']],
    );
    const same = await token({ join_from: '2030-01-01', join_until: '2030-01-01T00:00:00Z' });
    assert.equal(decodeJwt(same).jf, decodeJwt(same).ju);
  });

  it('limits meta and room_meta to 2000 characters serialised', async () => {
    const fits = { k: 'v'.repeat(2000 - '{"k":""}'.length) };
    const over = { k: 'v'.repeat(2000 - '{"k":""}'.length + 1) };
    assert.equal((await mint({ room_name: 'r', meta: fits, room_meta: fits })).status, 200);
    expectErrors(await mint({ room_name: 'r', meta: over, room_meta: over }), [
      ['room_meta', 'invalid_parameter'],
      ['meta', 'invalid_parameter'],
    ]);
  });

  it('answers 400 for a body that is not a JSON object, 401 without credentials', async () => {
    const bad = await server.api('/api/video/room_tokens', {
      method: 'POST',
      rawBody: '[]',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    const anonymous = await server.api('/api/video/room_tokens', {
      method: 'POST',
      body: { room_name: 'r' },
      anonymous: true,
    });
    assert.equal(anonymous.status, 401);
  });
});

describe('room-token signing keys', () => {
  it('gives each project a key of its own, made on first use and kept', async () => {
    const a = await server.newProject();
    const b = await server.newProject();
    const [a1, a2, b1] = [await token({}, a), await token({}, a), await token({}, b)];
    const kid = (jwt: string) => decodeProtectedHeader(jwt).kid;
    assert.equal(kid(a1), kid(a2));
    assert.notEqual(kid(a1), kid(b1));
    assert.equal((await verifyRoomToken(server.store, a1)).projectId, a.id);
    assert.equal((await verifyRoomToken(server.store, b1)).projectId, b.id);
    // A project's key does not verify another project's token.
    await assert.rejects(jwtVerify(b1, await keyOf(a1)));
  });

  it('makes one key when first uses race', async () => {
    const project = await server.newProject();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => token({}, project)));
    assert.equal(new Set(tokens.map((t) => decodeProtectedHeader(t).kid)).size, 1);
  });

  it('refuses tampered, foreign and malformed tokens', async () => {
    const jwt = await token({ permissions: ['room.self.deaf'] });
    const [h, p, sig] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const escalated = Buffer.from(
      JSON.stringify({ ...claims, s: [...ROOM_TOKEN_PERMISSIONS] }),
    ).toString('base64url');
    assert.equal(await rejection(`${h}.${escalated}.${sig}`), 'invalid');
    assert.equal(await rejection(`${h}.${p}.${sig.slice(0, -4)}AAAA`), 'invalid');

    // Signed with a key the server does not hold, under a real kid: refused.
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ typ: 'VRT', alg: 'HS512', kid: decodeProtectedHeader(jwt).kid! })
      .sign(new Uint8Array(64));
    assert.equal(await rejection(forged), 'invalid');

    // The right key but another subject (a project the key does not belong to): refused.
    const otherSubject = await new SignJWT({ ...claims, sub: randomUUID() })
      .setProtectedHeader({ typ: 'VRT', alg: 'HS512', kid: decodeProtectedHeader(jwt).kid! })
      .sign(await keyOf(jwt));
    assert.equal(await rejection(otherSubject), 'invalid');

    // The right key, but a claim of the wrong shape.
    const badClaim = await new SignJWT({ ...claims, s: ['room.fly'] })
      .setProtectedHeader({ typ: 'VRT', alg: 'HS512', kid: decodeProtectedHeader(jwt).kid! })
      .sign(await keyOf(jwt));
    assert.equal(await rejection(badClaim), 'invalid');

    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ typ: 'VRT', alg: 'HS512', kid: randomUUID() })
      .sign(new Uint8Array(64));
    assert.equal(await rejection(unknownKid), 'unknown_key');

    const wrongType = await new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'HS512', kid: decodeProtectedHeader(jwt).kid! })
      .sign(await keyOf(jwt));
    assert.equal(await rejection(wrongType), 'malformed');
    const wrongAlg = await new SignJWT(claims)
      .setProtectedHeader({ typ: 'VRT', alg: 'HS256', kid: decodeProtectedHeader(jwt).kid! })
      .sign(await keyOf(jwt));
    assert.equal(await rejection(wrongAlg), 'malformed');
    const none = `${Buffer.from(JSON.stringify({ typ: 'VRT', alg: 'none' })).toString('base64url')}.${p}.`;
    assert.equal(await rejection(none), 'malformed');
    for (const garbage of ['', 'abc', 'a.b.c', `${h}.${p}`]) {
      assert.ok(['malformed', 'invalid'].includes(await rejection(garbage)), garbage);
    }
  });

  it('rotates: new tokens use the new key, old ones verify until the grace period ends', async () => {
    const project = await server.newProject();
    const before = await token({}, project);
    const oldKid = decodeProtectedHeader(before).kid!;

    clockMs += 60_000;
    const rotatedAt = clockMs;
    const res = await rotate(project.id);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    const newKid = body.kid as string;
    assert.notEqual(newKid, oldKid);
    assert.deepEqual(body, {
      kid: newKid,
      created_at: new Date(rotatedAt).toISOString().slice(0, 19) + 'Z',
      retired: {
        kid: oldKid,
        retired_at: new Date(rotatedAt).toISOString().slice(0, 19) + 'Z',
        verifiable_until:
          new Date(rotatedAt + ROOM_TOKEN_KEY_GRACE_MS).toISOString().slice(0, 19) + 'Z',
      },
    });
    assert.ok(!JSON.stringify(body).includes((await server.store.getRoomTokenKey(newKid))!.secret));

    const afterRotation = await token({}, project);
    assert.equal(decodeProtectedHeader(afterRotation).kid, newKid);
    assert.equal(
      (await verifyRoomToken(server.store, before, { now: clockMs })).projectId,
      project.id,
    );
    const graceEnd = rotatedAt + ROOM_TOKEN_KEY_GRACE_MS;
    assert.equal(
      (await verifyRoomToken(server.store, before, { now: graceEnd })).projectId,
      project.id,
    );
    assert.equal(await rejection(before, graceEnd + 1), 'key_retired');
    assert.equal(
      (await verifyRoomToken(server.store, afterRotation, { now: graceEnd + 1 })).projectId,
      project.id,
    );

    // A rotation after the grace period deletes the long-retired key for good.
    clockMs = graceEnd + 1000;
    const again = (await (await rotate(project.id)).json()) as { retired: { kid: string } };
    assert.equal(again.retired.kid, newKid);
    assert.equal(await server.store.getRoomTokenKey(oldKid), undefined);
    assert.equal(await rejection(before), 'unknown_key');
    assert.equal(
      (await verifyRoomToken(server.store, afterRotation, { now: clockMs })).projectId,
      project.id,
    );
  });

  it('rotates a project that has no key yet, retiring nothing', async () => {
    const project = await server.newProject();
    const res = await rotate(project.id);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { kid: string; retired: unknown };
    assert.equal(body.retired, null);
    assert.equal(decodeProtectedHeader(await token({}, project)).kid, body.kid);
  });

  it('rotation is an admin operation: 401 without the admin token, 404 for no project', async () => {
    assert.equal((await rotate(server.project.id, 'Bearer wrong')).status, 401);
    assert.equal((await rotate(server.project.id, server.project.auth)).status, 401);
    assert.equal((await rotate(randomUUID())).status, 404);
    assert.equal((await rotate('not-a-uuid')).status, 404);
  });

  it('deleting a project deletes its keys, and its tokens stop verifying', async () => {
    const project = await server.newProject();
    const jwt = await token({}, project);
    const res = await fetch(`${server.url}/admin/v1/projects/${project.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 204);
    assert.equal(await server.store.countRows('room_token_keys', project.id), 0);
    assert.equal(await rejection(jwt), 'unknown_key');
  });
});
