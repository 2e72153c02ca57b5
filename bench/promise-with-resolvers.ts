/**
 * Promise.withResolvers (ES2024) for Node 20, which some of js-libp2p's
 * transitive dependencies call. Import this before anything from libp2p.
 */
interface WithResolvers {
  withResolvers?: () => { promise: Promise<unknown>; resolve: (value: unknown) => void; reject: (reason?: unknown) => void };
}

const PromiseCtor = Promise as unknown as WithResolvers;
if (typeof PromiseCtor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
