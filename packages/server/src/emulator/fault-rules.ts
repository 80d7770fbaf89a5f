import type { CreateFaultRequest, Fault, FaultStatus, FaultTarget } from '@conclave/schema';
import { newId } from '../lib/ids.js';
import { formatMillis } from '../lib/time.js';

/** What a matching request gets instead of (or before) its answer. */
export interface FaultAction {
  faultId: string;
  status: FaultStatus | null;
  retryAfter: number | null;
  latencyMs: number;
  drop: boolean;
}

interface Rule {
  id: string;
  projectId: string | null;
  target: FaultTarget;
  method: Fault['method'];
  path: string;
  matcher: RegExp;
  status: FaultStatus | null;
  retryAfter: number | null;
  latencyMs: number;
  drop: boolean;
  count: number | null;
  probability: number;
  applied: number;
  createdAt: number;
  /** No longer applied from then on (wall clock); null: never. */
  expiresAt: number | null;
}

/**
 * `*` matches within one path segment, `**` across segments; every other character stands for
 * itself. The whole path must match.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * The scripted faults of an emulator (in memory, this process only). `take` is synchronous: it
 * picks the rule and spends one of its applications in the same turn of the event loop, so a rule
 * of count N is applied exactly N times however many requests arrive together.
 */
export class FaultRules {
  readonly #rules: Rule[] = [];

  constructor(
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  add(request: CreateFaultRequest): Fault {
    const status = request.status ?? null;
    const createdAt = this.now();
    const rule: Rule = {
      id: newId(),
      projectId: request.project_id?.toLowerCase() ?? null,
      target: request.target ?? 'requests',
      method: request.method ?? '*',
      path: request.path,
      matcher: globToRegExp(request.path),
      status,
      retryAfter: status === 429 || status === 503 ? (request.retry_after ?? 1) : null,
      latencyMs: request.latency_ms ?? 0,
      drop: request.drop ?? false,
      count: request.count ?? null,
      probability: request.probability ?? 1,
      applied: 0,
      createdAt,
      expiresAt: request.duration_ms ? createdAt + request.duration_ms : null,
    };
    this.#rules.push(rule);
    return toWire(rule);
  }

  /** Oldest first; only one project's (with `projectId`). */
  list(projectId?: string): Fault[] {
    return this.#rules
      .filter((r) => projectId === undefined || r.projectId === projectId.toLowerCase())
      .map(toWire);
  }

  get(id: string): Fault | undefined {
    const rule = this.#rules.find((r) => r.id === id.toLowerCase());
    return rule && toWire(rule);
  }

  delete(id: string): boolean {
    const index = this.#rules.findIndex((r) => r.id === id.toLowerCase());
    if (index < 0) return false;
    this.#rules.splice(index, 1);
    return true;
  }

  /** Removes every rule, or one project's; returns how many went. */
  clear(projectId?: string): number {
    let removed = 0;
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      if (projectId === undefined || this.#rules[i]!.projectId === projectId.toLowerCase()) {
        this.#rules.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  /**
   * The fault for this request, if any, counted as applied. Rules are tried oldest first; a rule
   * whose probability roll fails lets the next one try. A spent rule stays listed (remaining 0).
   */
  take(method: string, path: string, projectId: string | undefined): FaultAction | undefined {
    const now = this.now();
    for (const rule of this.#rules) {
      if (rule.target !== 'requests') continue;
      if (rule.count !== null && rule.applied >= rule.count) continue;
      if (rule.expiresAt !== null && now >= rule.expiresAt) continue;
      if (rule.projectId !== null && rule.projectId !== projectId) continue;
      if (rule.method !== '*' && rule.method !== method) continue;
      if (!rule.matcher.test(path)) continue;
      if (rule.probability < 1 && this.random() >= rule.probability) continue;
      rule.applied++;
      return {
        faultId: rule.id,
        status: rule.status,
        retryAfter: rule.retryAfter,
        latencyMs: rule.latencyMs,
        drop: rule.drop,
      };
    }
    return undefined;
  }

  /**
   * How long to delay a realtime frame sent to a member (0: not at all), counted as applied: the
   * first `frames` rule of the member's project whose path matches
   * `/room_sessions/{session_id}/members/{member_id}`.
   */
  frameDelay(projectId: string, sessionId: string, memberId: string): number {
    if (this.#rules.length === 0) return 0;
    const path = `/room_sessions/${sessionId}/members/${memberId}`;
    const now = this.now();
    for (const rule of this.#rules) {
      if (rule.target !== 'frames') continue;
      if (rule.count !== null && rule.applied >= rule.count) continue;
      if (rule.expiresAt !== null && now >= rule.expiresAt) continue;
      if (rule.projectId !== null && rule.projectId !== projectId) continue;
      if (!rule.matcher.test(path)) continue;
      if (rule.probability < 1 && this.random() >= rule.probability) continue;
      rule.applied++;
      return rule.latencyMs;
    }
    return 0;
  }

  get size(): number {
    return this.#rules.length;
  }
}

function toWire(rule: Rule): Fault {
  return {
    id: rule.id,
    project_id: rule.projectId,
    target: rule.target,
    method: rule.method,
    path: rule.path,
    status: rule.status,
    retry_after: rule.retryAfter,
    latency_ms: rule.latencyMs,
    drop: rule.drop,
    count: rule.count,
    probability: rule.probability,
    remaining: rule.count === null ? null : rule.count - rule.applied,
    applied: rule.applied,
    expires_at: rule.expiresAt === null ? null : formatMillis(rule.expiresAt),
    created_at: formatMillis(rule.createdAt),
  };
}
