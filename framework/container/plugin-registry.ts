import 'reflect-metadata';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { P2PError } from '../errors/base.js';

/** The pluggable slots a node has. */
export type PluginSlot = 'transport' | 'queue' | 'peerStore' | 'scoring' | 'gater';

export type PluginClass = abstract new (...args: never[]) => unknown;

export interface PluginDefinition {
  readonly slot: PluginSlot;
  /** Name configuration uses to select it, e.g. "fifo". */
  readonly name: string;
  readonly implementation: PluginClass;
}

export class PluginNotFoundError extends P2PError {
  override name = 'PluginNotFoundError';
}

const PLUGIN_META = Symbol.for('tmp2p.meta.plugin');

/**
 * Marks a class as a plugin for a slot. Importing its module registers it, so
 * configuration can name it; a module path in configuration is imported and
 * its decorated export for that slot is used.
 */
export function Plugin(slot: PluginSlot, name: string): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(PLUGIN_META, { slot, name }, target);
    pluginRegistry.register({ slot, name, implementation: target as unknown as PluginClass });
  };
}

const looksLikePath = (ref: string) => ref.startsWith('.') || ref.startsWith('/') || /\.(c|m)?js$/.test(ref);

export class PluginRegistry {
  private readonly plugins = new Map<string, PluginDefinition>();

  register(definition: PluginDefinition): void {
    this.plugins.set(`${definition.slot}:${definition.name}`, definition);
  }

  names(slot: PluginSlot): string[] {
    return [...this.plugins.values()].filter((p) => p.slot === slot).map((p) => p.name);
  }

  /**
   * Finds the implementation for `ref`: a registered name, or a module path
   * (relative to `baseDir`) exporting a class decorated with @Plugin(slot, …).
   */
  async resolve(slot: PluginSlot, ref: string, baseDir = process.cwd()): Promise<PluginClass> {
    if (!looksLikePath(ref)) {
      const found = this.plugins.get(`${slot}:${ref}`);
      if (!found) {
        throw new PluginNotFoundError(`no ${slot} plugin named "${ref}"; available: ${this.names(slot).join(', ') || '(none)'}, or give a module path`);
      }
      return found.implementation;
    }
    const file = isAbsolute(ref) ? ref : resolve(baseDir, ref);
    let module: Record<string, unknown>;
    try {
      module = await import(pathToFileURL(file).href);
    } catch (cause) {
      throw new PluginNotFoundError(`cannot load ${slot} plugin module ${file}: ${(cause as Error).message}`, { cause });
    }
    const candidates = Object.entries(module)
      .filter(([, value]) => typeof value === 'function' && Reflect.getOwnMetadata(PLUGIN_META, value)?.slot === slot)
      .sort(([a]) => (a === 'default' ? -1 : 1));
    if (candidates.length === 0) {
      throw new PluginNotFoundError(`module ${file} exports no class decorated with @Plugin('${slot}', name)`);
    }
    return candidates[0]![1] as PluginClass;
  }
}

export const pluginRegistry = new PluginRegistry();
