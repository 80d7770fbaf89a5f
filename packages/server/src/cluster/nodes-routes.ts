import { ListNodesResponse } from '@conclave/schema';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../http/responses.js';
import type { ClusterNode } from './cluster-node.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** `GET /admin/v1/nodes`: the node registry (registered inside the admin API, its token). */
export async function nodesRoutes(app: FastifyInstance, cluster: ClusterNode): Promise<void> {
  app.get(
    '/nodes',
    {
      schema: {
        tags: ['Admin'],
        security: [{ AdminBearer: [] }],
        summary: 'Nodes serving this database, and their load',
        description:
          'Every Conclave process registered in the database: where the others reach it, ' +
          'whether it takes new sessions (ready), is stopping (draining) or has lost the message ' +
          'bus (unavailable), whether it is up ' +
          '(heard from within three heartbeats) and its load.',
        response: { 200: ListNodesResponse, ...errorResponses(401) },
      },
    },
    async (): Promise<ListNodesResponse> => {
      const nodes = await cluster.list();
      return {
        data: nodes.map((n) => ({
          id: n.id,
          url: n.url,
          state: n.state,
          up: n.up,
          started_at: iso(n.startedAt),
          heartbeat_at: iso(n.heartbeatAt),
          sessions: n.sessions,
          members: n.members,
          packet_rate: n.packetRate,
        })),
      };
    },
  );
}
