import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HeavyRequestGate } from './heavy-requests';

function exchange() {
  const raw = Object.assign(new EventEmitter(), { closed: false });
  return {
    request: { raw: { destroyed: false } } as unknown as FastifyRequest,
    reply: { raw } as unknown as FastifyReply,
    finish: () => raw.emit('close'),
  };
}

describe(HeavyRequestGate.name, () => {
  it('lets `concurrency` requests through and the rest in turn, as each response closes', async () => {
    const gate = new HeavyRequestGate(2, 10);
    const xs = Array.from({ length: 5 }, exchange);
    const entered: number[] = [];
    const all = xs.map((x, i) => gate.enter(x.request, x.reply).then(() => entered.push(i)));
    await new Promise((r) => setImmediate(r));
    expect(entered).toEqual([0, 1]);
    expect(gate.stats).toEqual({ running: 2, waiting: 3 });
    xs[0].finish();
    xs[0].finish(); // a second close changes nothing
    await new Promise((r) => setImmediate(r));
    expect(entered).toEqual([0, 1, 2]);
    expect(gate.stats).toEqual({ running: 2, waiting: 2 });
    for (const x of xs.slice(1)) x.finish();
    await Promise.all(all);
    for (const x of xs.slice(3)) x.finish();
    expect(gate.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('answers 503 past the waiting limit', async () => {
    const gate = new HeavyRequestGate(1, 1);
    const [a, b, c] = [exchange(), exchange(), exchange()];
    await gate.enter(a.request, a.reply);
    void gate.enter(b.request, b.reply);
    await expect(gate.enter(c.request, c.reply)).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });
});
