import cluster, { type Worker } from 'node:cluster';

/**
 * Questions a worker asks the primary over the cluster's IPC channel, and
 * their answers. Kept to what workers must share: the rate limit's counts and
 * the metrics of every worker.
 */
export interface Questions {
  /** Up to `want` requests of the rate limit's window for `key`. */
  'rate-limit': { question: { key: string; want: number; max: number; windowMs: number }; answer: RateGrant };
  /** The Prometheus exposition of every worker, aggregated. */
  metrics: { question: Record<string, never>; answer: { text: string } };
}

export interface RateGrant {
  /** Requests the worker may let through (0: the limit is reached). */
  granted: number;
  /** Requests granted in this window on the whole server, these included. */
  total: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

type Kind = keyof Questions;

interface Ask<K extends Kind = Kind> {
  kipam: 'ask';
  id: number;
  kind: K;
  question: Questions[K]['question'];
}

interface Reply<K extends Kind = Kind> {
  kipam: 'reply';
  id: number;
  answer?: Questions[K]['answer'];
  error?: string;
}

const isAsk = (m: unknown): m is Ask => typeof m === 'object' && m !== null && (m as Ask).kipam === 'ask';
const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && (m as Reply).kipam === 'reply';

let nextId = 1;
const waiting = new Map<number, { resolve: (a: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
let listening = false;

/** True in a worker of a Kipam server with several (its primary answers `ask`). */
export function isWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** Asks the primary (from a worker); rejects after `timeoutMs` or when the channel is gone. */
export function ask<K extends Kind>(kind: K, question: Questions[K]['question'], timeoutMs = 5000): Promise<Questions[K]['answer']> {
  if (!listening) {
    listening = true;
    process.on('message', (m: unknown) => {
      if (!isReply(m)) return;
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.answer);
    });
  }
  return new Promise((resolve, reject) => {
    if (!process.connected) return reject(new Error('the primary is gone'));
    const id = nextId++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the primary did not answer ${kind} within ${timeoutMs} ms`));
    }, timeoutMs);
    waiting.set(id, { resolve: resolve as (a: unknown) => void, reject, timer });
    const message: Ask<K> = { kipam: 'ask', id, kind, question };
    process.send!(message, undefined, undefined, (error: Error | null) => {
      if (!error) return;
      waiting.delete(id);
      clearTimeout(timer);
      reject(error);
    });
  });
}

export type Handlers = {
  [K in Kind]: (question: Questions[K]['question'], from: Worker) => Questions[K]['answer'] | Promise<Questions[K]['answer']>;
};

/** Answers the workers' questions (in the primary). */
export function answer(handlers: Handlers): void {
  cluster.on('message', (worker, m: unknown) => {
    if (!isAsk(m)) return;
    const reply = (r: Omit<Reply, 'kipam' | 'id'>) => {
      if (worker.isConnected()) worker.send({ kipam: 'reply', id: m.id, ...r } satisfies Reply);
    };
    const handler = handlers[m.kind] as (q: unknown, w: Worker) => unknown;
    if (!handler) return reply({ error: `unknown question ${String(m.kind)}` });
    Promise.resolve()
      .then(() => handler(m.question, worker))
      .then(
        (a) => reply({ answer: a as Reply['answer'] }),
        (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }),
      );
  });
}
