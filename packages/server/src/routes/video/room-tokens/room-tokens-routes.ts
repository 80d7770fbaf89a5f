import {
  CreateRoomTokenRequest,
  RoomTokenResponse,
  type CreateRoomTokenRequest as CreateBody,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import { signRoomToken, type RoomTokenRequestGrants } from '../../../auth/room-tokens.js';
import type { AppContext } from '../../../context.js';
import { relayUrl } from '../../../relay/relay-url.js';
import { ProblemList } from '../../../http/errors.js';
import { errorResponses } from '../../../http/responses.js';
import { parseDateTime } from '../../../lib/time.js';
import { checkJoinWindow, checkMetaLength } from '../rooms/room-input.js';

const tags = ['Room Tokens'];

const at = (text: string | undefined) => (text === undefined ? undefined : parseDateTime(text)!);

/** A create body (schema-checked, defaults applied) → the grants the token carries. */
export function grantsFromRequest(body: CreateBody): RoomTokenRequestGrants {
  const problems = new ProblemList();
  const joinFrom = at(body.join_from);
  const joinUntil = at(body.join_until);
  checkJoinWindow(problems, joinFrom, joinUntil);
  checkMetaLength(problems, 'room_meta', body.room_meta);
  checkMetaLength(problems, 'meta', body.meta);
  problems.throwIfAny();
  const joinAs = body.join_as ?? 'member';
  const grants: RoomTokenRequestGrants = {
    roomName: body.room_name,
    // The spec: an audience member gets no permissions, whatever the request asked for.
    permissions: joinAs === 'audience' ? [] : [...(body.permissions ?? [])],
    autoCreateRoom: body.auto_create_room ?? true,
    joinAudioMuted: body.join_audio_muted ?? false,
    joinVideoMuted: body.join_video_muted ?? false,
    enableRoomPreviews: body.enable_room_previews ?? false,
    endRoomSessionOnLeave: body.end_room_session_on_leave ?? false,
    joinAs,
    mediaAllowed: body.media_allowed ?? 'all',
    syncAudioVideo: body.sync_audio_video ?? false,
  };
  if (body.user_name !== undefined) grants.userName = body.user_name;
  if (joinFrom !== undefined) grants.joinFrom = joinFrom;
  if (joinUntil !== undefined) grants.joinUntil = joinUntil;
  const removeAt = at(body.remove_at);
  if (removeAt !== undefined) grants.removeAt = removeAt;
  if (body.remove_after_seconds_elapsed !== undefined)
    grants.removeAfterSecondsElapsed = body.remove_after_seconds_elapsed;
  if (body.room_display_name !== undefined) grants.roomDisplayName = body.room_display_name;
  if (body.room_meta !== undefined) grants.roomMeta = body.room_meta;
  if (body.meta !== undefined) grants.meta = body.meta;
  return grants;
}

export async function roomTokensRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: CreateBody }>(
    '/room_tokens',
    {
      schema: {
        tags,
        operationId: 'create_room_token',
        summary: 'Create a room token',
        description:
          'A JWT (header `typ: VRT`, `alg: HS512`, `kid`) carrying the grants of the request, ' +
          "signed with the project's own key, which never leaves the server. The room need not " +
          'exist yet.',
        body: CreateRoomTokenRequest,
        response: { 200: RoomTokenResponse, ...errorResponses(400, 401, 403, 413, 422) },
      },
    },
    async (request) => {
      const grants = grantsFromRequest(request.body);
      const token = await signRoomToken(ctx.store, request.projectId, grants, ctx.now(), {
        channel: relayUrl(ctx.config.publicUrl),
      });
      return { token };
    },
  );
}
