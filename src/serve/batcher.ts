// Dynamic micro-batching: requests for one model queue here and leave in batches, so concurrent
// requests share a forward pass. A batch starts when `maxBatch` items wait, or when the oldest
// has waited `maxWaitMs`; one batch runs at a time (a forward pass already uses every core), and
// whatever queued meanwhile forms the next. Results come back in submission order; `run` may
// answer an Error for one item, which fails that request alone.

export interface BatcherOptions<I, O> {
  maxBatch: number;
  maxWaitMs: number;
  /** Items allowed to wait (not counting the running batch); more are refused. */
  queueLimit: number;
  /** One batch's work: a result or an Error per item, in the items' order. */
  run(items: I[]): Promise<(O | Error)[]>;
  /** Called with each batch's size as it starts (metrics). */
  onBatch?(size: number): void;
}

/** The model is shutting down: it takes no new items. */
export class BatcherClosedError extends Error {
  constructor() {
    super('the server is shutting down; retry on another instance or later');
  }
}

/** The queue is full: the caller should retry later. */
export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`the queue is full (${limit} requests waiting); retry later`);
  }
}

interface Waiting<I, O> {
  item: I;
  since: number;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export interface Batcher<I, O> {
  /** The item's result, once its batch ran; rejects with QueueFullError or the signal's reason. */
  submit(item: I, signal?: AbortSignal): Promise<O>;
  /** Items waiting for a batch. */
  depth(): number;
  /** Items submitted and not yet answered (waiting or running). */
  pending(): number;
  /**
   * Takes no new items (they reject with BatcherClosedError) and resolves once every item
   * already submitted is answered: the model can then be released under no running batch.
   */
  close(): Promise<void>;
}

export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  const { maxBatch, maxWaitMs, queueLimit } = options;
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1))
    throw new RangeError(`maxBatch must be a positive integer (got ${maxBatch})`);
  const queue: Waiting<I, O>[] = [];
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let drained: (() => void) | undefined;

  /** Tells a closing batcher's waiter when nothing is left. */
  function settle(): void {
    if (queue.length + running === 0) drained?.();
  }

  function schedule(): void {
    if (running > 0 || queue.length === 0) return;
    const wait = queue[0].since + maxWaitMs - Date.now();
    if (queue.length >= maxBatch || wait <= 0) {
      clearTimeout(timer);
      timer = undefined;
      void runBatch(queue.splice(0, maxBatch));
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = undefined;
        schedule();
      }, wait);
    }
  }

  async function runBatch(batch: Waiting<I, O>[]): Promise<void> {
    running = batch.length;
    options.onBatch?.(batch.length);
    try {
      const results = await options.run(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const r = results[i];
        if (r instanceof Error) w.reject(r);
        else if (i >= results.length) w.reject(new Error('the batch returned too few results'));
        else w.resolve(r as O);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      running = 0;
      schedule();
      settle();
    }
  }

  return {
    submit(item, signal) {
      if (closed) return Promise.reject(new BatcherClosedError());
      if (queue.length >= queueLimit) return Promise.reject(new QueueFullError(queueLimit));
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<O>((resolve, reject) => {
        const waiting: Waiting<I, O> = { item, since: Date.now(), resolve, reject };
        // Given up while still waiting: it leaves the queue, so it costs no forward pass.
        const abort = () => {
          const at = queue.indexOf(waiting);
          if (at >= 0) queue.splice(at, 1);
          reject(signal?.reason);
          settle();
        };
        signal?.addEventListener('abort', abort, { once: true });
        const done = () => signal?.removeEventListener('abort', abort);
        waiting.resolve = (v) => {
          done();
          resolve(v);
        };
        waiting.reject = (e) => {
          done();
          reject(e);
        };
        queue.push(waiting);
        schedule();
      });
    },
    depth: () => queue.length,
    pending: () => queue.length + running,
    close() {
      closed = true;
      if (queue.length + running === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drained = resolve;
      });
    },
  };
}
