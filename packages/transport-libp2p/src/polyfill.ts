/**
 * libp2p 3 calls `Promise.withResolvers` (Node >= 22) during the noise handshake; on
 * Node 20 the first dial fails with "Promise.withResolvers is not a function". This
 * defines it where it is missing, as the spec does. Imported first by the package entry;
 * a no-op on Node 22+.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };

promiseConstructor.withResolvers ??= function withResolvers<T>(): Resolvers<T> {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
};
