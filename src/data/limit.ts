// A FIFO concurrency limiter: at most `max` tasks run at once, started in call order, so
// earlier batches' decodes are never starved by later (prefetched) ones.
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(max: number): Limiter {
  if (!(max >= 1)) throw new RangeError(`concurrency must be >= 1, got ${max}`);
  let active = 0;
  // A head index, not queue.shift(): shifting a 200k-entry queue copies it every time.
  let queue: (() => void)[] = [];
  let head = 0;
  const release = () => {
    active--;
    const next = queue[head];
    if (!next) return;
    queue[head++] = undefined as never;
    if (head === queue.length) {
      queue = [];
      head = 0;
    }
    next();
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const run = () => {
        active++;
        task().then(resolve, reject).finally(release);
      };
      if (active < max) run();
      else queue.push(run);
    });
}

/** Runs `fn` over `items` with at most `max` in flight; results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  max: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limit = createLimiter(max);
  return Promise.all(items.map((item, i) => limit(() => fn(item, i))));
}
