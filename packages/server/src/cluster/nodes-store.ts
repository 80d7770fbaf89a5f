import type { StoreContext } from '../store/kysely/store-context.js';

/** `unavailable`: cut off from the message bus (it admits nobody new until it is back). */
export type NodeState = 'ready' | 'draining' | 'unavailable';

/** One node as the registry holds it. */
export interface NodeRecord {
  id: string;
  url: string;
  state: NodeState;
  startedAt: number;
  heartbeatAt: number;
  sessions: number;
  members: number;
  packetRate: number;
}

/** The node registry: every Conclave process sharing the database, and its load. */
export interface NodesStore {
  /** Writes the node's row (its heartbeat), whether or not it was there. */
  saveNode(node: NodeRecord): Promise<void>;
  /** Every node registered, by id. */
  listNodes(): Promise<NodeRecord[]>;
  /** Takes a node out of the registry (it stopped cleanly). */
  removeNode(id: string): Promise<void>;
  /** Forgets nodes whose last heartbeat is older than `before` (Unix ms): gone for good. */
  pruneNodes(before: number): Promise<number>;
}

export function nodesStore(ctx: StoreContext): NodesStore {
  return {
    saveNode(node) {
      const row = {
        id: node.id,
        url: node.url,
        state: node.state,
        started_at: node.startedAt,
        heartbeat_at: node.heartbeatAt,
        sessions: node.sessions,
        members: node.members,
        packet_rate: node.packetRate,
      };
      return ctx.run(async () => {
        await ctx.db
          .insertInto('nodes')
          .values(row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              url: row.url,
              state: row.state,
              started_at: row.started_at,
              heartbeat_at: row.heartbeat_at,
              sessions: row.sessions,
              members: row.members,
              packet_rate: row.packet_rate,
            }),
          )
          .execute();
      });
    },
    listNodes() {
      return ctx.run(async () => {
        const rows = await ctx.db.selectFrom('nodes').selectAll().orderBy('id').execute();
        return rows.map((r) => ({
          id: r.id,
          url: r.url,
          state: r.state,
          startedAt: r.started_at,
          heartbeatAt: r.heartbeat_at,
          sessions: r.sessions,
          members: r.members,
          packetRate: r.packet_rate,
        }));
      });
    },
    removeNode(id) {
      return ctx.run(async () => {
        await ctx.db.deleteFrom('nodes').where('id', '=', id).execute();
      });
    },
    pruneNodes(before) {
      return ctx.run(async () => {
        const result = await ctx.db
          .deleteFrom('nodes')
          .where('heartbeat_at', '<', before)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}
