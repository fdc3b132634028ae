import { SluiceError } from '@sluice/stream-core';
import { InvalidRateError, TokenBucket, BYTES_PER_MBPS } from './index.js';
import { ManualClock, settle } from './test-support/manual-clock.js';

/** Tracks when a take() settles. */
function track(p: Promise<void>): { done: boolean; error: unknown } {
  const s = { done: false, error: undefined as unknown };
  p.then(
    () => (s.done = true),
    (e: unknown) => {
      s.done = true;
      s.error = e;
    },
  );
  return s;
}

/** A consumer that takes slices back to back, recording (time, total granted) after each grant. */
function greedy(bucket: TokenBucket, clock: ManualClock, signal?: AbortSignal): { log: Array<[number, number]>; total: () => number } {
  const log: Array<[number, number]> = [];
  let total = 0;
  void (async () => {
    try {
      while (!signal?.aborted) {
        await bucket.take(bucket.sliceBytes, signal);
        total += bucket.sliceBytes;
        log.push([clock.now(), total]);
      }
    } catch {
      /* aborted: the test's way to stop the loop */
    }
  })();
  return { log, total: () => total };
}

describe('TokenBucket math (manual clock)', () => {
  test('starts full, then grants at the committed rate; no credit beyond the depth', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 8, clock }); // 1,000,000 B/s = 1,000 B/ms
    expect(b.bytesPerSecond).toBe(8 * BYTES_PER_MBPS);
    expect(b.burstBytes).toBe(20_000); // 20 ms at the rate
    expect(b.sliceBytes).toBe(10_000); // 10 ms at the rate
    const first = track(b.take(20_000));
    await settle();
    expect(first.done).toBe(true);
    const second = track(b.take(10_000));
    await clock.advance(9);
    expect(second.done).toBe(false);
    await clock.advance(1);
    expect(second.done).toBe(true);
    // An hour of idling earns one bucket, not an hour of bytes.
    await clock.advance(3_600_000);
    expect(b.available).toBe(20_000);
  });

  test('a greedy consumer never gets more than depth + rate × t, and not much less', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 80, clock }); // 10,000 B/ms
    const ac = new AbortController();
    const g = greedy(b, clock, ac.signal);
    for (let i = 0; i < 100; i++) await clock.advance(100); // 10 s
    ac.abort();
    await settle();
    for (const [t, total] of g.log) expect(total).toBeLessThanOrEqual(b.burstBytes + 10_000 * t);
    const expected = b.burstBytes + 10_000 * 10_000;
    expect(g.total()).toBeGreaterThan(expected - 2 * b.sliceBytes);
    expect(b.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test('peak rate: "burst at 400 Mbps, then 100 Mbps" (tc-tbf committed + peak buckets)', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 100, peakMbps: 400, burstBytes: 10_000_000, clock });
    expect(b.peakBytesPerSecond).toBe(50_000_000);
    const ac = new AbortController();
    const g = greedy(b, clock, ac.signal);
    for (let i = 0; i < 100; i++) await clock.advance(10); // 1 s
    ac.abort();
    await settle();
    const peakPerMs = 50_000;
    const ratePerMs = 12_500;
    for (const [t, total] of g.log) {
      expect(total).toBeLessThanOrEqual(b.burstBytes + ratePerMs * t);
      expect(total).toBeLessThanOrEqual(64 * 1024 + 5 * peakPerMs + peakPerMs * t); // peak depth + peak × t
    }
    // The bucket drains at 400 − 100 Mbps: 10 MB last 10e6 / 37,500 ≈ 267 ms, carrying ≈ 13.3 MB.
    const at = (ms: number): number => [...g.log].reverse().find(([t]) => t <= ms)?.[1] ?? 0;
    expect(at(250) / 250).toBeGreaterThan(0.95 * peakPerMs);
    const steady = (at(1000) - at(500)) / 500;
    expect(steady).toBeGreaterThan(0.97 * ratePerMs);
    expect(steady).toBeLessThanOrEqual(1.01 * ratePerMs);
  });

  test('burstMbps: the Go originals\' WithRateLimitBurst(mbps, burstMbps)', () => {
    const b = new TokenBucket({ mbps: 100, burstMbps: 400 });
    expect(b.bytesPerSecond).toBe(12_500_000);
    expect(b.peakBytesPerSecond).toBe(50_000_000);
    expect(b.burstBytes).toBe(50_000_000);
    const c = new TokenBucket({ mbps: 100, burstMbps: 400, burstBytes: 1_000_000 });
    expect(c.burstBytes).toBe(1_000_000);
    expect(c.peakBytesPerSecond).toBe(50_000_000);
  });

  test('waiters take turns a slice at a time: equal demands finish together, a small one is not stuck behind', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 8, burstBytes: 10_000, clock }); // slice 10,000 B = 10 ms
    b.tryTake(10_000);
    const big = [0, 1, 2].map(() => track(b.take(100_000)));
    await clock.advance(5);
    const small = track(b.take(10_000));
    const finished: number[] = [];
    let smallAt = -1;
    for (let t = 0; t < 400; t += 1) {
      await clock.advance(1);
      if (small.done && smallAt < 0) smallAt = clock.now();
      big.forEach((s, i) => {
        if (s.done && finished[i] === undefined) finished[i] = clock.now();
      });
    }
    expect(big.every((s) => s.done && s.error === undefined)).toBe(true);
    // 310,000 bytes at 1,000 B/ms: all done by ~310 ms, each big one within a round (30 ms) of the others.
    expect(Math.max(...finished) - Math.min(...finished)).toBeLessThanOrEqual(30);
    expect(Math.max(...finished)).toBeLessThanOrEqual(312);
    // The small waiter came after three big ones: it waits one round, not 300 ms.
    expect(smallAt).toBeLessThanOrEqual(45);
  });

  test('one timer per bucket, however many wait', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 1, clock });
    const all = Array.from({ length: 100 }, () => track(b.take(5_000)));
    expect(b.waiting).toBeGreaterThan(90);
    await clock.advance(10_000);
    expect(all.every((s) => s.done && s.error === undefined)).toBe(true);
    expect(clock.maxPending).toBe(1);
    expect(clock.pending).toBe(0);
    // 500,000 bytes at 125 B/ms, minus the 2,500-byte head start, need ~3,980 ms: timers are per slice, not per byte.
    expect(clock.fired).toBeLessThan(500_000 / b.sliceBytes + 10);
  });

  test('an aborted waiter leaves at once, its tokens go back, and the timer goes when nobody waits', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 8, clock });
    b.tryTake(20_000);
    const ac = new AbortController();
    const waiting = track(b.take(1_000_000, ac.signal));
    await clock.advance(25); // two slices granted to it
    expect(b.waiting).toBe(1);
    expect(clock.pending).toBe(1);
    const reason = new Error('peer left');
    ac.abort(reason);
    await settle();
    expect(waiting.done).toBe(true);
    expect(waiting.error).toBe(reason);
    expect(b.waiting).toBe(0);
    expect(clock.pending).toBe(0);
    expect(b.available).toBe(20_000); // refunded, up to the depth
  });

  test('aborting one waiter in the middle does not disturb the others', async () => {
    const clock = new ManualClock();
    const b = new TokenBucket({ mbps: 8, clock });
    b.tryTake(20_000);
    const ac = new AbortController();
    const a = track(b.take(30_000));
    const mid = track(b.take(30_000, ac.signal));
    const c = track(b.take(30_000));
    await clock.advance(5);
    ac.abort();
    await clock.advance(100);
    expect(mid.error).toBeInstanceOf(DOMException);
    expect(a.done && a.error === undefined).toBe(true);
    expect(c.done && c.error === undefined).toBe(true);
    expect(clock.pending).toBe(0);
  });

  test('take(0), an already-aborted signal, and bad byte counts', async () => {
    const b = new TokenBucket({ mbps: 1 });
    await expect(b.take(0)).resolves.toBeUndefined();
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(b.take(10, ac.signal)).rejects.toThrow('gone');
    for (const bad of [-1, 1.5, Number.NaN, Infinity, '10' as unknown as number]) {
      await expect(b.take(bad)).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_RATE' });
      expect(() => b.tryTake(bad)).toThrow(InvalidRateError);
    }
    expect(b.waiting).toBe(0);
  });
});

describe('TokenBucket options', () => {
  const bad: Array<[string, unknown]> = [
    ['mbps 0', { mbps: 0 }],
    ['mbps above 250,000', { mbps: 250_001 }],
    ['mbps negative', { mbps: -5 }],
    ['mbps fractional', { mbps: 1.5 }],
    ['mbps NaN', { mbps: Number.NaN }],
    ['mbps Infinity', { mbps: Infinity }],
    ['mbps a string', { mbps: '100' }],
    ['mbps a bigint', { mbps: 100n }],
    ['mbps missing', {}],
    ['burstMbps below mbps', { mbps: 100, burstMbps: 50 }],
    ['burstMbps out of range', { mbps: 100, burstMbps: 300_000 }],
    ['peakMbps below mbps', { mbps: 100, peakMbps: 99 }],
    ['peakMbps not a number', { mbps: 100, peakMbps: '400' }],
    ['burstBytes too small', { mbps: 1, burstBytes: 100 }],
    ['burstBytes fractional', { mbps: 1, burstBytes: 4096.5 }],
    ['burstBytes too large', { mbps: 1, burstBytes: 2 ** 41 }],
    ['spec null', null],
    ['spec a number', 100],
  ];
  test.each(bad)('%s throws InvalidRateError (ERR_SLUICE_INVALID_RATE)', (_name, spec) => {
    let caught: unknown;
    try {
      new TokenBucket(spec as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidRateError);
    expect(caught).toBeInstanceOf(SluiceError);
    expect((caught as InvalidRateError).code).toBe('ERR_SLUICE_INVALID_RATE');
    expect((caught as Error).message).toMatch(/^Invalid TokenBucket/);
  });

  test('the range ends are accepted', () => {
    expect(new TokenBucket({ mbps: 1 }).bytesPerSecond).toBe(125_000);
    expect(new TokenBucket({ mbps: 250_000 }).bytesPerSecond).toBe(31_250_000_000);
    expect(new TokenBucket({ mbps: 10, burstBytes: 1024 }).sliceBytes).toBe(1024);
  });
});
