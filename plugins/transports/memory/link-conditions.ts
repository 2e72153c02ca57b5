import { LinkConditionsError } from './errors.js';

/**
 * How a simulated link treats each message sent over it, one direction at a
 * time. Delivery stays in order whatever the jitter (a delayed message holds
 * back the ones behind it, as TCP does); a lost message simply never
 * arrives, which the ADR allows (delivery is at-most-once) and which is
 * counted. The handshake and the close are never lost.
 */
export interface LinkConditions {
  /** Fixed one-way delay per message, in ms. Default 0. */
  readonly latencyMs?: number;
  /** Extra random delay per message, uniform in [0, jitterMs). Default 0. */
  readonly jitterMs?: number;
  /** Probability in [0, 1] that a message is lost. Default 0. */
  readonly lossRate?: number;
}

export interface ResolvedLinkConditions {
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly lossRate: number;
}

/** A link that delivers everything at once: the memory transport's behaviour without conditions. */
export const IDEAL_LINK: ResolvedLinkConditions = Object.freeze({ latencyMs: 0, jitterMs: 0, lossRate: 0 });

/** An hour: anything longer is a mistake (milliseconds taken for seconds), not a link. */
const MAX_DELAY_MS = 3_600_000;

const KNOWN = ['latencyMs', 'jitterMs', 'lossRate'];

/**
 * Validates conditions and fills in defaults. Throws LinkConditionsError
 * naming the option, its value and the allowed range; `where` says whose
 * conditions they are (e.g. "MemoryNetwork option link").
 */
export function resolveLinkConditions(input: LinkConditions | undefined, where = 'link conditions'): ResolvedLinkConditions {
  if (input === undefined) return IDEAL_LINK;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new LinkConditionsError(`${where} must be an object { latencyMs, jitterMs, lossRate }, got ${String(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN.includes(key)) throw new LinkConditionsError(`${where}: unknown option "${key}"; known options: ${KNOWN.join(', ')}`);
  }
  const delay = (key: 'latencyMs' | 'jitterMs'): number => {
    const value = input[key] ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DELAY_MS) {
      throw new LinkConditionsError(`${where}: ${key} = ${JSON.stringify(value)} is invalid: expected milliseconds from 0 to ${MAX_DELAY_MS}`);
    }
    return value;
  };
  const lossRate = input.lossRate ?? 0;
  if (typeof lossRate !== 'number' || !Number.isFinite(lossRate) || lossRate < 0 || lossRate > 1) {
    throw new LinkConditionsError(`${where}: lossRate = ${JSON.stringify(lossRate)} is invalid: expected a probability from 0 to 1`);
  }
  const resolved = { latencyMs: delay('latencyMs'), jitterMs: delay('jitterMs'), lossRate };
  return resolved.latencyMs === 0 && resolved.jitterMs === 0 && resolved.lossRate === 0 ? IDEAL_LINK : Object.freeze(resolved);
}

/** Whether messages on the link wait before arriving (so they need a delay line). */
export function isDelayed(conditions: ResolvedLinkConditions): boolean {
  return conditions.latencyMs > 0 || conditions.jitterMs > 0;
}
