/**
 * libp2p 3 and helia 7 call `Promise.withResolvers` (Node >= 22). On Node 20 the first dial
 * fails with "Promise.withResolvers is not a function" (notes/feasibility-p2p.md §4). This
 * module installs a standard-conforming fallback, only where the runtime lacks one; the
 * package entry imports it before anything from libp2p is loaded.
 */
interface WithResolvers {
  withResolvers<T>(this: PromiseConstructor): { promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void };
}

const promiseConstructor = Promise as unknown as Partial<WithResolvers> & PromiseConstructor;

promiseConstructor.withResolvers ??= function withResolvers<T>(this: PromiseConstructor) {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new this<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
};

export {};
