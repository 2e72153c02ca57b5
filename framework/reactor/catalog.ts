import { InvalidArgumentError, P2PError } from '../errors/base.js';
import { reactorMeta } from './metadata.js';

export type ReactorClass = abstract new (...args: never[]) => object;

export class UnknownReactorError extends P2PError {
  override name = 'UnknownReactorError';
}

/**
 * Every class decorated with @Reactor registers here by name when its module
 * loads, so configuration can enable reactors by name (or by module path,
 * which is imported first and then registers itself).
 */
class ReactorCatalog {
  private readonly byName = new Map<string, ReactorClass>();

  register(name: string, cls: ReactorClass): void {
    const existing = this.byName.get(name);
    if (existing && existing !== cls) {
      throw new InvalidArgumentError(`two different reactor classes are named "${name}" (${existing.name} and ${cls.name})`);
    }
    this.byName.set(name, cls);
  }

  get(name: string): ReactorClass {
    const cls = this.byName.get(name);
    if (!cls) {
      throw new UnknownReactorError(`no reactor named "${name}"; known reactors: ${[...this.byName.keys()].join(', ') || '(none)'}`);
    }
    return cls;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

export const reactorCatalog = new ReactorCatalog();

export function reactorNameOf(cls: ReactorClass): string {
  const meta = reactorMeta(cls);
  if (!meta) throw new InvalidArgumentError(`${cls.name} is not a reactor: decorate it with @Reactor()`);
  return meta.name;
}
