import type { NodeID } from '../identity/node-id.js';
import type { ConnectionDirection } from '../peer/types.js';

/** What the router publishes on `events$`. */
export type RouterEvent =
  | {
      readonly type: 'peer-up';
      readonly nodeId: NodeID;
      readonly direction: ConnectionDirection;
      /**
       * Set when this connection ends a simultaneous dial the peer settled
       * first: the connection routed here before was the losing one, and the
       * peer closed it (the 'peer-down' just before) while this one, the one
       * the lower node ID dialed, was still in its handshake. A swap, not a
       * failure; messages in flight on the closed connection were lost with it.
       */
      readonly afterSimultaneousDial?: true;
    }
  | { readonly type: 'peer-down'; readonly nodeId: NodeID; readonly reason?: Error }
  | { readonly type: 'dial-failed'; readonly address: string; readonly error: Error }
  | { readonly type: 'connection-rejected'; readonly direction: ConnectionDirection; readonly error: Error }
  | { readonly type: 'peer-error'; readonly nodeId: NodeID; readonly error: Error; readonly fatal: boolean }
  | { readonly type: 'loop-error'; readonly loop: string; readonly error: Error };
