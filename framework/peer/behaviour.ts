import { InvalidArgumentError } from '../errors/base.js';
import { isNodeID, type NodeID } from '../identity/node-id.js';
import type { PeerBehaviour } from './types.js';

/** Validates a reactor's report before it touches any state; throws InvalidArgumentError naming what is wrong. */
export function checkReport(nodeId: NodeID, behaviour: PeerBehaviour): void {
  if (!isNodeID(nodeId)) throw new InvalidArgumentError(`report() expects a node ID, got ${JSON.stringify(nodeId)}`);
  const kind = behaviour?.kind;
  if (kind !== 'good' && kind !== 'bad' && kind !== 'ban' && kind !== 'hold-dial') {
    throw new InvalidArgumentError(`report() expects a behaviour of kind "good", "bad", "ban" or "hold-dial", got ${JSON.stringify(behaviour)}`);
  }
  if (behaviour.kind === 'ban' || behaviour.kind === 'hold-dial') {
    const duration = behaviour.durationMs;
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
      throw new InvalidArgumentError(`${behaviour.kind} durationMs must be a finite non-negative number of milliseconds, got ${String(duration)}`);
    }
  }
}
