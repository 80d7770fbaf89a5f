/** One member as the featured rule sees it. */
export interface FeatureCandidate {
  id: string;
  can_publish: boolean;
}

export interface FeatureInputs {
  /** The member a moderator pinned in the session, if any. */
  pinned: string | undefined;
  /** The latest member who started talking, if any. */
  lastTalker: string | undefined;
  /** Everyone admitted, earliest-joined first. */
  members: Iterable<FeatureCandidate>;
  /** Whom not to feature (a viewer never sees itself); undefined: nobody is left out. */
  exclude?: string | undefined;
}

/**
 * Whose camera is shown when one person is shown: the pinned member, else the latest one who
 * started talking, else the earliest-joined one who publishes (null: nobody). SignalWire SDK
 * members' calls (each without itself) and recordings and streams (the whole session) use it.
 */
export function featuredMember(inputs: FeatureInputs): string | null {
  const present = new Set<string>();
  let earliest: string | null = null;
  for (const member of inputs.members) {
    if (member.id === inputs.exclude) continue;
    present.add(member.id);
    if (earliest === null && member.can_publish) earliest = member.id;
  }
  if (inputs.pinned !== undefined && present.has(inputs.pinned)) return inputs.pinned;
  if (inputs.lastTalker !== undefined && present.has(inputs.lastTalker)) return inputs.lastTalker;
  return earliest;
}
