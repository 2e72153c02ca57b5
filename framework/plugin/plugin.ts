import 'reflect-metadata';

/** The pluggable slots a node has. */
export type PluginSlot = 'transport' | 'queue' | 'peerStore' | 'scoring' | 'gater';

export const PLUGIN_SLOTS: readonly PluginSlot[] = Object.freeze(['transport', 'queue', 'peerStore', 'scoring', 'gater']);

export type PluginClass = abstract new (...args: never[]) => unknown;

/** What `@Plugin` records on a class. */
export interface PluginMeta {
  readonly slot: PluginSlot;
  /** The name configuration selects it by, e.g. "fifo". */
  readonly name: string;
}

const PLUGIN_META = Symbol.for('tmp2p.meta.plugin');

/**
 * Marks a class as a plugin for a slot. It only records metadata: the node's
 * plugin registry reads it when configuration names the class's module.
 */
export function Plugin(slot: PluginSlot, name: string): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(PLUGIN_META, { slot, name } satisfies PluginMeta, target);
  };
}

/** The `@Plugin` metadata of a class itself (not inherited), if any. */
export function pluginMeta(cls: unknown): PluginMeta | undefined {
  return typeof cls === 'function' ? Reflect.getOwnMetadata(PLUGIN_META, cls) : undefined;
}
