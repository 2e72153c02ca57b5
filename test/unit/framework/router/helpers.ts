import type { ChannelRoutes, SendOutcome } from '../../../../framework/router/channel.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { PeerError } from '../../../../framework/router/envelope.js';

/**
 * Makes the next call of `object[method]` throw `error`; later calls run the
 * real method. For proving that a loop survives a collaborator that throws,
 * while every other call still reaches the real implementation.
 */
export function sabotageOnce<T extends object, K extends keyof T & string>(object: T, method: K, error: Error): void {
  const record = object as Record<string, unknown>;
  const had = Object.prototype.hasOwnProperty.call(object, method);
  const own = record[method];
  record[method] = () => {
    if (had) record[method] = own;
    else delete record[method];
    throw error;
  };
}

/** ChannelRoutes that record what the channel asked and answer as scripted. */
export class RecordingRoutes implements ChannelRoutes {
  readonly unicasts: Array<{ to: NodeID; bytes: Uint8Array }> = [];
  readonly broadcasts: Uint8Array[] = [];
  readonly peerErrors: PeerError[] = [];
  outcome: SendOutcome = 'queued';
  broadcastReach = 3;
  unicast(_channelId: number, to: NodeID, bytes: Uint8Array): SendOutcome {
    this.unicasts.push({ to, bytes });
    return this.outcome;
  }
  async unicastWhenRoom(channelId: number, to: NodeID, bytes: Uint8Array, signal?: AbortSignal): Promise<SendOutcome> {
    signal?.throwIfAborted();
    return this.unicast(channelId, to, bytes);
  }
  broadcast(_channelId: number, bytes: Uint8Array): number {
    this.broadcasts.push(bytes);
    return this.broadcastReach;
  }
  peerError(error: PeerError): void {
    this.peerErrors.push(error);
  }
}
