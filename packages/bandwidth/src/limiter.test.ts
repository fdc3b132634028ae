import { InvalidOptionError, SluiceError } from '@sluice/stream-core';
import { BandwidthLimiter, InvalidRateError, TokenBucket, createBandwidthLimiter, type RateLimit } from './index.js';
import { ManualClock, settle } from './test-support/manual-clock.js';

/** Takes slices back to back until stopped; returns the running total. */
function pump(limit: RateLimit, signal: AbortSignal): { total: number } {
  const s = { total: 0 };
  void (async () => {
    try {
      while (true) {
        await limit.take(limit.sliceBytes, signal);
        s.total += limit.sliceBytes;
      }
    } catch {
      /* stopped */
    }
  })();
  return s;
}

describe('BandwidthLimiter (manual clock)', () => {
  test('a byte must pass both buckets: per-connection caps each, global caps the sum', async () => {
    const clock = new ManualClock();
    const limiter = new BandwidthLimiter({ perConnection: { mbps: 8 }, global: { mbps: 12 }, clock }); // 1,000 and 1,500 B/ms
    const ac = new AbortController();
    const a = pump(limiter.forConnection({}), ac.signal);
    await clock.advance(1000);
    // Alone, connection A is held to its own 1,000 B/ms.
    expect(a.total).toBeLessThanOrEqual(20_000 + 1_000 * 1000);
    expect(a.total).toBeGreaterThan(0.97 * 1_000 * 1000);
    const b = pump(limiter.forConnection({}), ac.signal);
    const c = pump(limiter.forConnection({}), ac.signal);
    const before = [a.total, b.total, c.total];
    await clock.advance(2000);
    const gained = [a.total - before[0]!, b.total - before[1]!, c.total - before[2]!];
    // Three connections want 3,000 B/ms; the global bucket gives 1,500, shared evenly.
    const sum = gained.reduce((x, y) => x + y, 0);
    expect(sum).toBeLessThanOrEqual(limiter.global!.burstBytes + 1_500 * 2000);
    expect(sum).toBeGreaterThan(0.97 * 1_500 * 2000);
    for (const g of gained) expect(Math.abs(g - sum / 3)).toBeLessThan(0.05 * sum);
    ac.abort();
    await clock.advance(100);
    expect(limiter.global!.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test('forConnection: one bucket per key, kept while the key lives', async () => {
    const clock = new ManualClock();
    const limiter = new BandwidthLimiter({ perConnection: { mbps: 8 }, clock });
    const socket = {};
    expect(limiter.forConnection(socket)).toBe(limiter.forConnection(socket));
    expect(limiter.forConnection(socket)).not.toBe(limiter.forConnection({}));
    // Draining one connection's bucket leaves another's full.
    await limiter.forConnection(socket).take(20_000);
    let other = false;
    void limiter.forConnection({}).take(20_000).then(() => (other = true));
    await settle();
    expect(other).toBe(true);
    expect(() => limiter.forConnection(null as unknown as object)).toThrow(InvalidOptionError);
    expect(() => limiter.forConnection('socket' as unknown as object)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }));
  });

  test('a TokenBucket can be the global limit of several limiters', async () => {
    const clock = new ManualClock();
    const shared = new TokenBucket({ mbps: 8, clock });
    const l1 = new BandwidthLimiter({ perConnection: { mbps: 100 }, global: shared, clock });
    const l2 = new BandwidthLimiter({ global: shared });
    expect(l1.global).toBe(shared);
    expect(l2.global).toBe(shared);
    const ac = new AbortController();
    const a = pump(l1.forConnection({}), ac.signal);
    const b = pump(l2.forConnection({}), ac.signal);
    await clock.advance(1000);
    expect(a.total + b.total).toBeLessThanOrEqual(20_000 + 1_000 * 1000);
    expect(Math.abs(a.total - b.total)).toBeLessThanOrEqual(2 * shared.sliceBytes);
    ac.abort();
    await clock.advance(10);
  });

  test('with no limits, everything passes at once', async () => {
    const limiter = new BandwidthLimiter();
    expect(limiter.global).toBeNull();
    await expect(limiter.forConnection({}).take(1e12)).resolves.toBeUndefined();
    await expect(limiter.forConnection({}).take(-1)).rejects.toBeInstanceOf(InvalidRateError);
  });

  test('an abort while waiting on the global bucket leaves both queues', async () => {
    const clock = new ManualClock();
    const limiter = new BandwidthLimiter({ perConnection: { mbps: 100 }, global: { mbps: 1 }, clock });
    const ac = new AbortController();
    const p = limiter.forConnection({}).take(100_000, ac.signal);
    await clock.advance(50);
    expect(limiter.global!.waiting).toBe(1);
    ac.abort(new Error('bye'));
    await expect(p).rejects.toThrow('bye');
    expect(limiter.global!.waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test('bad limits throw InvalidRateError naming the option', () => {
    const cases: Array<[unknown, string]> = [
      [{ perConnection: { mbps: 0 } }, 'perConnection.mbps'],
      [{ global: { mbps: 1e6 } }, 'global.mbps'],
      [{ global: { mbps: 10, peakMbps: 5 } }, 'global.peakMbps'],
      [{ perConnection: 'fast' }, 'perConnection'],
    ];
    for (const [options, option] of cases) {
      let caught: unknown;
      try {
        new BandwidthLimiter(options as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidRateError);
      expect(caught).toBeInstanceOf(SluiceError);
      expect((caught as InvalidRateError).option).toBe(option);
    }
  });
});

describe('createBandwidthLimiter (the Go originals\' ConnBandwidth / GlobalBandwidth)', () => {
  test('maxDownloadRate is Mbps, burstSize is megabits of bucket', async () => {
    const clock = new ManualClock();
    const limiter = createBandwidthLimiter({
      connBandwidth: { maxDownloadRate: 40, burstSize: 16 },
      globalBandwidth: { maxDownloadRate: 1600, burstSize: 800 },
      clock,
    });
    expect(limiter.global!.bytesPerSecond).toBe(200_000_000);
    expect(limiter.global!.burstBytes).toBe(100_000_000);
    // The connection bucket holds 16 Mb = 2,000,000 bytes, then refills at 5,000 B/ms.
    const conn = limiter.forConnection({});
    let burst = false;
    void conn.take(2_000_000).then(() => (burst = true));
    await settle(); // 40 slices through two buckets, no time passing
    expect(burst).toBe(true);
    let next = false;
    void conn.take(50_000).then(() => (next = true));
    await clock.advance(9);
    expect(next).toBe(false);
    await clock.advance(2);
    expect(next).toBe(true);
  });

  test('omitted sides mean no limit; bad values throw typed errors', () => {
    expect(createBandwidthLimiter().global).toBeNull();
    expect(createBandwidthLimiter({ globalBandwidth: { maxDownloadRate: 1 } }).global!.bytesPerSecond).toBe(125_000);
    const bad: Array<[unknown, string]> = [
      [{ connBandwidth: { maxDownloadRate: 0 } }, 'connBandwidth.maxDownloadRate'],
      [{ connBandwidth: { maxDownloadRate: 10, burstSize: 0.5 } }, 'connBandwidth.burstSize'],
      [{ globalBandwidth: { maxDownloadRate: '100' } }, 'globalBandwidth.maxDownloadRate'],
      [{ globalBandwidth: { maxDownloadRate: 250_001 } }, 'globalBandwidth.maxDownloadRate'],
      [{ globalBandwidth: 100 }, 'globalBandwidth'],
    ];
    for (const [config, option] of bad) {
      expect(() => createBandwidthLimiter(config as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_RATE', option }));
    }
  });
});
