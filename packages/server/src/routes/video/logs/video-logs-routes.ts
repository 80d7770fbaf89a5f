import {
  IdParams,
  ListVideoLogsQuery,
  ListVideoLogsResponse,
  VideoLog,
  type IdParams as IdParamsT,
  type ListVideoLogsQuery as ListQuery,
  type VideoLog as VideoLogT,
} from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { HttpError } from '../../../http/errors.js';
import { requireUuid } from '../../../http/path-id.js';
import { errorResponses } from '../../../http/responses.js';
import { formatMillis, parseDateTimeFilter } from '../../../lib/time.js';
import { buildLinks, readPageParams } from '../../../pagination/pagination.js';
import type { VideoLogFilters, VideoLogRow } from '../../../store/store.js';

const tags = ['Video Logs'];
const DAY_MS = 86_400_000;

const ABOUT =
  'One log per room or conference session, written as the session starts (in-progress) and ' +
  'ends (completed). A log is discarded when its room or conference is deleted; discarded logs ' +
  'appear, as `{id, discarded_at, created_at}`, only with `include_deleted=true`.';

function toVideoLog(publicUrl: string, row: VideoLogRow): VideoLogT {
  if (row.discarded_at !== null) {
    return {
      id: row.id,
      discarded_at: formatMillis(row.discarded_at),
      created_at: formatMillis(row.created_at),
    };
  }
  return {
    id: row.id,
    source: 'realtime_api',
    type: row.type as 'video_room_session' | 'video_conference_session',
    url: `${publicUrl}/api/video/room_sessions/${row.room_session_id}`,
    room_name: row.room_name,
    status: row.status as 'in-progress' | 'completed',
    locked: row.locked !== 0,
    started_at: formatMillis(row.started_at),
    ended_at: row.ended_at === null ? null : formatMillis(row.ended_at),
    charge: 0,
    created_at: formatMillis(row.created_at),
    charge_details: [],
  };
}

/** `/logs`: the video logs of the project's sessions. */
export async function videoLogsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store } = ctx;

  app.get<{ Querystring: ListQuery }>(
    '/logs',
    {
      schema: {
        tags,
        operationId: 'list_logs',
        summary: 'List video logs',
        description:
          `${ABOUT} \`created_before\` and \`created_after\` are exclusive bounds; ` +
          '`created_on` keeps the UTC day of the date or time given.',
        querystring: ListVideoLogsQuery,
        response: { 200: ListVideoLogsResponse, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const params = readPageParams(q);
      // The schema has checked the formats.
      const millis = (text: string | undefined) =>
        text === undefined ? undefined : parseDateTimeFilter(text)! * 1000;
      const on = millis(q.created_on);
      // created_on: the UTC day holding the date or time given.
      const day = on === undefined ? undefined : on - (((on % DAY_MS) + DAY_MS) % DAY_MS);
      const filters: VideoLogFilters = {
        includeDeleted: q.include_deleted === true,
        createdBefore: millis(q.created_before),
        createdAfter: millis(q.created_after),
        createdOn: day === undefined ? undefined : { from: day, to: day + DAY_MS },
      };
      const page = await store.listVideoLogs(request.projectId, filters, params.request);
      const links = buildLinks(
        `${ctx.config.publicUrl}/api/video/logs`,
        {
          created_after: q.created_after,
          created_before: q.created_before,
          created_on: q.created_on,
          include_deleted: q.include_deleted === undefined ? undefined : String(q.include_deleted),
        },
        params,
        page,
      );
      return { links, data: page.items.map((row) => toVideoLog(ctx.config.publicUrl, row)) };
    },
  );

  app.get<{ Params: IdParamsT }>(
    '/logs/:id',
    {
      schema: {
        tags,
        operationId: 'get_log',
        summary: 'Get a video log',
        description: `${ABOUT} A discarded log is still readable by id, in its discarded shape.`,
        params: IdParams,
        response: { 200: VideoLog, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const id = requireUuid(request.params.id);
      const row = await store.getVideoLog(request.projectId, id);
      if (!row) throw new HttpError(404);
      return toVideoLog(ctx.config.publicUrl, row);
    },
  );
}
