import { BackpressureTimeoutError, InvalidOptionError, PeerGoneError, StreamAbortedError, WriteAfterCloseError } from './errors.js';
import type { HeaderList } from './headers.js';
import { TransportStreamWriter, type TransportEvents, type WriterTransport } from './writer.js';

/**
 * An in-memory transport for the state machine alone (protocol behaviour is tested on real sockets
 * in h1-chunked and h2-flow): it records what the writer asks of it, and the test plays the peer.
 */
class RecordingTransport implements WriterTransport {
  readonly protocol = 'http/1.1' as const;
  events: TransportEvents | null = null;
  writes: Buffer[] = [];
  headers: Array<[number, HeaderList]> = [];
  ended: HeaderList | undefined | null = null;
  destroyed: Error | null = null;
  detached = 0;
  needsDrain = false;
  flushes = 0;
  /** When set, write() reports back-pressure. */
  full = false;
  endCallback: ((e?: Error) => void) | null = null;
  sendHeaders(status: number, headers: HeaderList): void {
    this.headers.push([status, headers]);
  }
  write(chunk: Buffer): boolean {
    this.writes.push(Buffer.from(chunk));
    if (this.full) this.needsDrain = true;
    return !this.full;
  }
  flush(): void {
    this.flushes++;
  }
  end(trailers: HeaderList | undefined, done: (e?: Error) => void): void {
    this.ended = trailers;
    this.endCallback = done;
  }
  destroy(error: Error): void {
    this.destroyed = error;
  }
  attach(events: TransportEvents): void {
    this.events = events;
  }
  detach(): void {
    this.detached++;
  }
  drain(): void {
    this.full = false;
    this.needsDrain = false;
    this.events!.drain();
  }
  body(): string {
    return Buffer.concat(this.writes).toString();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('TransportStreamWriter state machine', () => {
  test('options are validated', () => {
    expect(() => new TransportStreamWriter(new RecordingTransport(), { backpressureTimeoutMs: 0 })).toThrow(InvalidOptionError);
    expect(() => new TransportStreamWriter(new RecordingTransport(), { backpressureTimeoutMs: Infinity })).toThrow(InvalidOptionError);
    expect(() => new TransportStreamWriter(new RecordingTransport(), { batchBytes: -1 })).toThrow(InvalidOptionError);
  });

  test('small writes are batched into one transport write per tick; large ones pass through uncopied', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t);
    for (let i = 0; i < 50; i++) void w.write('abc');
    expect(t.writes).toHaveLength(0);
    await tick();
    expect(t.writes).toHaveLength(1);
    expect(t.body()).toBe('abc'.repeat(50));
    const big = Buffer.alloc(64 * 1024, 1);
    await w.write(big);
    expect(t.writes).toHaveLength(2);
    expect(w.bytesWritten).toBe(150 + 64 * 1024);
  });

  test('multi-byte UTF-8 strings are counted in bytes and never split', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t, { batchBytes: 8 });
    await w.write('é€😀');
    await w.write('ok');
    const closing = w.close();
    t.endCallback!();
    await closing;
    expect(t.body()).toBe('é€😀ok');
    expect(w.bytesWritten).toBe(Buffer.byteLength('é€😀ok'));
  });

  test('under back-pressure every write waits for the same drain', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t, { batchBytes: 0 });
    t.full = true;
    let settled = 0;
    const p1 = w.write('a').then(() => settled++);
    const p2 = w.write('b').then(() => settled++);
    await tick();
    expect(settled).toBe(0);
    t.drain();
    await Promise.all([p1, p2]);
    expect(settled).toBe(2);
  });

  test('a drain that leaves the transport full restarts the timeout instead of ending the wait', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t, { batchBytes: 0, backpressureTimeoutMs: 150 });
    t.full = true;
    const p = w.write('a');
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 80));
      t.events!.drain(); // progress, but still above the high-water mark
    }
    expect(w.signal.aborted).toBe(false);
    t.drain();
    await p;
  });

  test('the back-pressure timeout aborts with a typed error and tears the transport down', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t, { batchBytes: 0, backpressureTimeoutMs: 50 });
    t.full = true;
    await expect(w.write('a')).rejects.toBeInstanceOf(BackpressureTimeoutError);
    expect(t.destroyed).toBeInstanceOf(BackpressureTimeoutError);
    expect(w.signal.reason).toBeInstanceOf(BackpressureTimeoutError);
    expect(t.detached).toBe(1);
  });

  test('peer gone: the signal fires once, pending and later writes reject, release happens once', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t, { batchBytes: 0 });
    let aborts = 0;
    w.signal.addEventListener('abort', () => aborts++);
    t.full = true;
    const pending = w.write('a');
    t.events!.gone(new Error('ECONNRESET'));
    t.events?.gone(new Error('again'));
    await expect(pending).rejects.toBeInstanceOf(PeerGoneError);
    await expect(w.write('b')).rejects.toBeInstanceOf(PeerGoneError);
    w.abort('late');
    expect(aborts).toBe(1);
    expect(t.detached).toBe(1);
    await w.released;
  });

  test('abort(reason) wraps a plain reason in StreamAbortedError and keeps it as cause', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t);
    const cause = new Error('db down');
    w.abort(cause);
    expect(w.signal.reason).toBeInstanceOf(StreamAbortedError);
    expect((w.signal.reason as Error).cause).toBe(cause);
    await expect(w.close()).rejects.toBeInstanceOf(StreamAbortedError);
  });

  test('close() flushes the batch, ends once, and resolves when the transport finishes', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t);
    void w.write('tail');
    const c1 = w.close();
    const c2 = w.close();
    expect(c1).toBe(c2);
    expect(t.body()).toBe('tail');
    expect(t.headers[0]![0]).toBe(200);
    await expect(w.write('x')).rejects.toBeInstanceOf(WriteAfterCloseError);
    t.endCallback!();
    await c1;
    expect(w.signal.aborted).toBe(false);
    expect(t.detached).toBe(1);
  });

  test('close() bounded by the timeout when the end never completes', async () => {
    const t = new RecordingTransport();
    const w = new TransportStreamWriter(t, { backpressureTimeoutMs: 50 });
    await expect(w.close()).rejects.toBeInstanceOf(BackpressureTimeoutError);
    expect(t.destroyed).toBeInstanceOf(BackpressureTimeoutError);
  });

  test('write rejects non-byte input with a TypeError', async () => {
    const w = new TransportStreamWriter(new RecordingTransport());
    await expect(w.write(42 as unknown as string)).rejects.toBeInstanceOf(TypeError);
  });
});
