import type { NodeID } from '../identity/node-id.js';
import type { ConnectionDirection } from '../peer/types.js';

/** What the router publishes on `events$`. */
export type RouterEvent =
  | { readonly type: 'peer-up'; readonly nodeId: NodeID; readonly direction: ConnectionDirection }
  | { readonly type: 'peer-down'; readonly nodeId: NodeID; readonly reason?: Error }
  | { readonly type: 'dial-failed'; readonly address: string; readonly error: Error }
  | { readonly type: 'connection-rejected'; readonly direction: ConnectionDirection; readonly error: Error }
  | { readonly type: 'peer-error'; readonly nodeId: NodeID; readonly error: Error; readonly fatal: boolean }
  | { readonly type: 'loop-error'; readonly loop: string; readonly error: Error };
