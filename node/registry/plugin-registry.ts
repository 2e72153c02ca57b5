import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { P2PError } from '../../framework/errors/base.js';
import { pluginMeta, type PluginClass, type PluginSlot } from '../../framework/plugin/plugin.js';
import { reactorMeta, type ReactorClass } from '../../framework/reactor/metadata.js';
import { BUILTIN_PLUGINS, BUILTIN_REACTORS, type Builtin, type BuiltinPlugin } from './builtins.js';

/** Configuration names a plugin or reactor that does not exist, or a module that cannot be loaded. */
export class PluginNotFoundError extends P2PError {
  override name = 'PluginNotFoundError';
}

/** Configuration enables a reactor by a name nobody declared. */
export class UnknownReactorError extends P2PError {
  override name = 'UnknownReactorError';
}

/** A plugin configuration selected, with the name it goes by. */
export interface ResolvedPlugin {
  readonly name: string;
  readonly implementation: PluginClass;
}

/** A reference in configuration is a module path when it starts with . or / or ends in .js/.mjs/.cjs; otherwise a name. */
export const isModulePath = (ref: string): boolean => ref.startsWith('.') || ref.startsWith('/') || /\.(c|m)?js$/.test(ref);

/**
 * Turns the plugin and reactor references of a node's configuration into
 * classes, in one place at boot: a name is looked up among the classes the
 * application handed to createNode and then the built-in catalogue (loaded
 * on first use); a module path, relative to `baseDir`, is imported and its
 * decorated exports are used. Decorators only record metadata; nothing
 * registers itself when its module is imported.
 */
export class PluginRegistry {
  private readonly plugins: BuiltinPlugin[];
  private readonly reactors: Builtin<ReactorClass>[];

  constructor(
    private readonly baseDir: string,
    extra: { readonly plugins?: readonly PluginClass[]; readonly reactors?: readonly ReactorClass[] } = {},
  ) {
    const given = <T>(value: T) => async () => value;
    this.plugins = [
      ...(extra.plugins ?? []).map((cls) => {
        const meta = pluginMeta(cls);
        if (!meta) throw new PluginNotFoundError(`${cls.name} is not a plugin: decorate it with @Plugin(slot, name)`);
        return { slot: meta.slot, name: meta.name, load: given(cls) };
      }),
      ...BUILTIN_PLUGINS,
    ];
    this.reactors = [
      ...(extra.reactors ?? []).map((cls) => {
        const meta = reactorMeta(cls);
        if (!meta) throw new UnknownReactorError(`${cls.name} is not a reactor: decorate it with @Reactor(name)`);
        return { name: meta.name, load: given(cls) };
      }),
      ...BUILTIN_REACTORS,
    ];
  }

  /** Names configuration may use for a slot (application classes first, then built-ins). */
  names(slot: PluginSlot): string[] {
    return [...new Set(this.plugins.filter((p) => p.slot === slot).map((p) => p.name))];
  }

  reactorNames(): string[] {
    return [...new Set(this.reactors.map((r) => r.name))];
  }

  /** Adds the @Plugin classes a module exports (config `[plugins] modules`), so configuration can name them. */
  async addModule(path: string): Promise<void> {
    const module = await this.importModule(path, 'plugin');
    for (const value of Object.values(module)) {
      const meta = pluginMeta(value);
      if (meta) this.plugins.unshift({ slot: meta.slot, name: meta.name, load: async () => value as PluginClass });
    }
  }

  /** The class for `ref` in `slot`: a name (application, module-listed or built-in), or a module path exporting a @Plugin(slot, …) class. */
  async resolve(slot: PluginSlot, ref: string): Promise<ResolvedPlugin> {
    if (!isModulePath(ref)) {
      const found = this.plugins.find((p) => p.slot === slot && p.name === ref);
      if (!found) {
        throw new PluginNotFoundError(`no ${slot} plugin named "${ref}"; available: ${this.names(slot).join(', ') || '(none)'}, or give a module path`);
      }
      return { name: found.name, implementation: await found.load() };
    }
    const module = await this.importModule(ref, `${slot} plugin`);
    const candidates = Object.entries(module)
      .filter(([, value]) => pluginMeta(value)?.slot === slot)
      .sort(([a]) => (a === 'default' ? -1 : 1));
    if (candidates.length === 0) {
      throw new PluginNotFoundError(`module ${this.fileOf(ref)} exports no class decorated with @Plugin('${slot}', name)`);
    }
    const implementation = candidates[0]![1] as PluginClass;
    return { name: pluginMeta(implementation)!.name, implementation };
  }

  /**
   * The reactor classes `[reactors] enabled` names: names of application or
   * built-in reactors, or module paths (every @Reactor class the module exports).
   */
  async resolveReactors(refs: readonly string[]): Promise<ReactorClass[]> {
    const classes: ReactorClass[] = [];
    for (const ref of refs) {
      if (isModulePath(ref)) {
        const module = await this.importModule(ref, 'reactor');
        const found = Object.values(module).filter((value): value is ReactorClass => typeof value === 'function' && reactorMeta(value) !== undefined);
        if (found.length === 0) throw new UnknownReactorError(`module ${this.fileOf(ref)} exports no class decorated with @Reactor()`);
        classes.push(...found);
        continue;
      }
      const found = this.reactors.find((r) => r.name === ref);
      if (!found) throw new UnknownReactorError(`no reactor named "${ref}"; known reactors: ${this.reactorNames().join(', ')}, or give a module path`);
      classes.push(await found.load());
    }
    return [...new Set(classes)];
  }

  private fileOf(ref: string): string {
    return isAbsolute(ref) ? ref : resolve(this.baseDir, ref);
  }

  private async importModule(ref: string, kind: string): Promise<Record<string, unknown>> {
    const file = this.fileOf(ref);
    try {
      return await import(pathToFileURL(file).href);
    } catch (cause) {
      throw new PluginNotFoundError(`cannot load ${kind} module ${file}: ${(cause as Error).message}`, { cause });
    }
  }
}
