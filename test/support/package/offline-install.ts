import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One entry of package-lock.json's `packages` (the fields this module reads or writes). */
interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
  readonly [field: string]: unknown;
}

type LockPackages = Readonly<Record<string, LockEntry>>;

/** A packed tarball (`npm pack --json`), to be installed as a dependency. */
export interface PackedTarball {
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
}

export interface OfflineInstallOptions {
  /** The project to install into; its package.json exists (e.g. from `npm init -y`). */
  readonly projectDir: string;
  /** The repository's package-lock.json: versions and integrities of everything installed. */
  readonly repoLockPath: string;
  readonly tarball: PackedTarball;
  /** Further dependencies by name (`npm install x`), at the versions the repository's lock holds. */
  readonly dependencies?: readonly string[];
  /** Dev dependencies by name (`npm install --save-dev x`), likewise. */
  readonly devDependencies?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Installs a packed tarball and named packages into a project without the
 * network, as `npm install` would, from the local npm cache.
 *
 * `npm install --offline <name>` needs the registry's metadata for every
 * package in the tree, and a cache filled by `npm ci` holds only tarballs.
 * So the project gets the lockfile `npm install` would have written: the
 * tarball, and for everything else the repository's own lock entries (the
 * exact versions tmp2p is tested with), taken by Node's resolution rules
 * from the tree that lock describes. `npm ci --offline` then installs it,
 * taking each tarball from the cache by its integrity.
 */
export async function installOffline(options: OfflineInstallOptions): Promise<void> {
  const { projectDir, tarball } = options;
  const lock = JSON.parse(await readFile(options.repoLockPath, 'utf8')) as { packages: LockPackages };
  const repoPackages = lock.packages;
  const packed = JSON.parse(await readFile(join(options.repoLockPath, '..', 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    bin?: Record<string, string>;
    license?: string;
    engines?: Record<string, string>;
  };

  const spec = (name: string): string => {
    const version = repoPackages[`node_modules/${name}`]?.version;
    if (version === undefined) throw new Error(`${name} is not in ${options.repoLockPath}: it cannot be installed offline`);
    return `^${version}`;
  };
  const tarballSpec = `file:${relative(projectDir, tarball.path)}`;
  const dependencies = { [tarball.name]: tarballSpec, ...Object.fromEntries((options.dependencies ?? []).map((n) => [n, spec(n)])) };
  const devDependencies = Object.fromEntries((options.devDependencies ?? []).map((n) => [n, spec(n)]));

  const prod = closure(repoPackages, { ...(packed.dependencies ?? {}), ...omit(dependencies, tarball.name) });
  const dev = closure(repoPackages, devDependencies);
  const packages: Record<string, unknown> = {};
  for (const location of [...new Set([...prod, ...dev])].sort()) {
    const { dev: _dev, devOptional: _devOptional, ...entry } = repoPackages[location]!;
    packages[location] = prod.has(location) ? entry : { ...entry, dev: true };
  }

  const manifestPath = join(projectDir, 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  const updated: Record<string, unknown> = {
    ...manifest,
    dependencies: { ...(manifest['dependencies'] as object | undefined), ...dependencies },
    ...(Object.keys(devDependencies).length > 0 ? { devDependencies: { ...(manifest['devDependencies'] as object | undefined), ...devDependencies } } : {}),
  };
  await writeFile(manifestPath, JSON.stringify(updated, null, 2) + '\n');
  const projectLock = {
    name: updated['name'],
    version: updated['version'],
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: updated['name'], version: updated['version'], dependencies: updated['dependencies'], devDependencies: updated['devDependencies'] },
      [`node_modules/${tarball.name}`]: {
        version: tarball.version,
        resolved: tarballSpec,
        integrity: tarball.integrity,
        license: packed.license,
        dependencies: packed.dependencies,
        bin: packed.bin,
        engines: packed.engines,
      },
      ...packages,
    },
  };
  await writeFile(join(projectDir, 'package-lock.json'), JSON.stringify(projectLock, null, 2) + '\n');
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: projectDir,
    env: options.env ?? process.env,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

function omit(record: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _omitted, ...rest } = record;
  return rest;
}

/**
 * The lock locations a set of root dependencies needs: each dependency found
 * as Node finds it (the nearest node_modules up the tree), then its own
 * dependencies, optional ones that the lock holds and required peers.
 */
function closure(packages: LockPackages, roots: Readonly<Record<string, string>>): Set<string> {
  const found = new Set<string>();
  const visit = (from: string, name: string, required: boolean): void => {
    const location = resolveIn(packages, from, name);
    if (location === undefined) {
      if (required) throw new Error(`the lock has no ${name} reachable from ${from || 'the root'}`);
      return;
    }
    if (found.has(location)) return;
    found.add(location);
    const entry = packages[location]!;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(location, dep, true);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(location, dep, false);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(location, dep, !entry.peerDependenciesMeta?.[dep]?.optional);
  };
  for (const name of Object.keys(roots)) visit('', name, true);
  return found;
}

/** Where `name` resolves from the package at `from` ("" = the root): its own node_modules, then each ancestor's. */
function resolveIn(packages: LockPackages, from: string, name: string): string | undefined {
  const parts = from === '' ? [] : from.split('/node_modules/');
  for (let depth = parts.length; depth >= 0; depth--) {
    const base = parts.slice(0, depth).join('/node_modules/');
    const location = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[location] !== undefined) return location;
  }
  return undefined;
}
