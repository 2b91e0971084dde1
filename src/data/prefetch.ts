// A bounded prefetch queue shared by the loaders: while the consumer holds item i, at most items
// i+1..i+depth are being built or waiting. A failure surfaces when its turn comes; on early exit
// (break, error) whatever was built ahead is disposed.
export async function* prefetched<T>(
  count: number,
  build: (index: number) => Promise<T | null>,
  depth: number,
  dispose: (item: T) => void,
): AsyncGenerator<T> {
  const pending: Promise<T | null>[] = [];
  let launched = 0;
  try {
    for (let i = 0; i < count; i++) {
      while (launched < count && pending.length < depth + 1) {
        const p = build(launched++);
        // Not unhandled while it waits its turn.
        p.catch(() => {});
        pending.push(p);
      }
      const item = await pending.shift()!;
      if (item) yield item;
    }
  } finally {
    for (const p of pending.splice(0)) {
      const item = await p.catch(() => null);
      if (item) dispose(item);
    }
  }
}
