import { describe, expect, it } from 'vitest';
import { FfmpegBudget } from '../../core/ffmpeg/budget';

describe('FfmpegBudget', () => {
  it('lets max processes run, queues the rest in order, and fails a wait past queue_ms with BUSY', async () => {
    const limits = { ffmpeg_max_processes: 2, ffmpeg_queue_ms: 100 };
    const b = new FfmpegBudget(() => limits);
    const r1 = await b.acquire();
    const r2 = await b.acquire();
    expect(b.active).toBe(2);
    const order: number[] = [];
    const w3 = b.acquire().then((r) => (order.push(3), r));
    const w4 = b.acquire().then((r) => (order.push(4), r));
    expect(b.queued).toBe(2);
    r1();
    r1(); // a second call is a no-op
    const r3 = await w3;
    expect(b.active).toBe(2);
    await expect(w4).rejects.toMatchObject({ code: 'BUSY', message: 'busy: 2 ffmpeg processes running, try again shortly' });
    expect(order).toEqual([3]);
    expect(b.queued).toBe(0);
    r2();
    r3();
    expect(b.active).toBe(0);
  });

  it('an aborted wait leaves the queue; queue_ms 0 answers busy at once', async () => {
    const limits = { ffmpeg_max_processes: 1, ffmpeg_queue_ms: 5000 };
    const b = new FfmpegBudget(() => limits);
    const r1 = await b.acquire();
    const ac = new AbortController();
    const w = b.acquire(ac.signal);
    ac.abort();
    await expect(w).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(b.queued).toBe(0);
    limits.ffmpeg_queue_ms = 0;
    await expect(b.acquire()).rejects.toMatchObject({ code: 'BUSY' });
    r1();
    (await b.acquire())();
    expect(b.active).toBe(0);
  });
});
