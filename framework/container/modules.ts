import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginNotFoundError } from './plugin-registry.js';

/**
 * Imports user modules named in configuration. Importing is all it takes:
 * their @Reactor and @Plugin decorators register the classes they define.
 */
export async function importModules(paths: readonly string[], baseDir: string, kind: 'plugin' | 'reactor'): Promise<void> {
  for (const path of paths) {
    const file = isAbsolute(path) ? path : resolve(baseDir, path);
    try {
      await import(pathToFileURL(file).href);
    } catch (cause) {
      throw new PluginNotFoundError(`cannot load ${kind} module ${file}: ${(cause as Error).message}`, { cause });
    }
  }
}
