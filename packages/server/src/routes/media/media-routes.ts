import { Type } from '@sinclair/typebox';
import { ErrorBody } from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../http/errors.js';
import { isUuid } from '../../lib/ids.js';
import { verifyRecordingUrl } from '../../media/signed-urls.js';

const MediaQuery = Type.Object(
  { expires: Type.Optional(Type.String()), signature: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

/**
 * `GET /media/recordings/{id}?expires=…&signature=…`: a recording's file, for whoever holds a
 * signed link from the API (no credentials). A missing, expired or altered signature, or an
 * unknown recording, is 403 (no hint which); a signed link whose file is gone is 404.
 */
export async function mediaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { expires?: string; signature?: string } }>(
    '/media/recordings/:id',
    {
      schema: {
        tags: ['Media'],
        operationId: 'get_recording_media',
        summary: "A recording's file, through a signed link",
        description:
          "The `uri` of a room recording. The link is signed (HMAC-SHA256 with the project's " +
          'media key) and expires after the `media_ttl` it was made with; otherwise 403.',
        params: Type.Object({ id: Type.String() }),
        querystring: MediaQuery,
        response: {
          200: { description: 'The file', type: 'string', format: 'binary' },
          403: ErrorBody,
          404: ErrorBody,
          429: ErrorBody,
          500: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { id: rawId } = request.params;
      if (!isUuid(rawId)) throw new HttpError(403);
      const id = rawId.toLowerCase();
      const row = await ctx.store.findRecording(id);
      const valid =
        row !== undefined &&
        (await verifyRecordingUrl(
          ctx.store,
          row.project_id,
          id,
          request.query.expires,
          request.query.signature,
          // The project's clock, which signed the link (a test clock in emulator mode).
          ctx.live.now(row.project_id),
        ));
      if (!row || !valid) throw new HttpError(403);
      const file = row.storage_key === null ? undefined : await ctx.media.open(row.storage_key);
      if (!file) throw new HttpError(404);
      return reply
        .header('content-type', row.format ?? 'application/octet-stream')
        .header('content-length', String(file.size))
        .header('cache-control', 'private, no-store')
        .send(file.stream);
    },
  );
}
