/**
 * Records every timer created between start() and the check, so a test can
 * assert that stopping a node left none behind (and see where a leak came from).
 */
export function trackTimers(): { live(): string[]; restore(): void } {
  const live = new Map<unknown, string>();
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { setTimeout: g.setTimeout!, setInterval: g.setInterval!, clearTimeout: g.clearTimeout!, clearInterval: g.clearInterval! };
  g.setTimeout = (fn: unknown, ms: unknown, ...args: unknown[]) => {
    const handle = originals.setTimeout((...a: unknown[]) => {
      live.delete(handle);
      return (fn as (...x: unknown[]) => unknown)(...a);
    }, ms, ...args);
    live.set(handle, new Error('setTimeout').stack ?? '');
    return handle;
  };
  g.setInterval = (fn: unknown, ms: unknown, ...args: unknown[]) => {
    const handle = originals.setInterval(fn, ms, ...args);
    live.set(handle, new Error('setInterval').stack ?? '');
    return handle;
  };
  g.clearTimeout = (handle: unknown) => {
    live.delete(handle);
    return originals.clearTimeout(handle);
  };
  g.clearInterval = (handle: unknown) => {
    live.delete(handle);
    return originals.clearInterval(handle);
  };
  return {
    live: () => [...live.values()].map((stack) => stack.split('\n').slice(0, 6).join('\n')),
    restore: () => Object.assign(g, originals),
  };
}
