// Shared by the foundation-* suites: one server process per contender (server.mjs), clients that
// read as fast as they can and discard, a delaying TCP proxy, and the interleaved run loop.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import http2 from 'node:http2';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, peakRssMiB } from '../lib/stats.mjs';
import { ChunkedDecoder } from '../../../packages/h1-chunked/dist/esm/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const MiB = 1024 * 1024;
export const RSS_NOTE =
  'server peak RSS = VmHWM of that contender\'s own server process over its warm-up and all runs (an idle server process here is ~51 MiB, hono ~56); server CPU = utime + stime from /proc, 10 ms ticks; ratios are medians of per-run ratios';
export const GiB = 1024 * MiB;
export const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]));
export const RUNS = env('BENCH_RUNS', 5);
/** Any single request longer than this is a failure, not a data point. */
const REQUEST_TIMEOUT_MS = env('BENCH_REQUEST_TIMEOUT_MS', 180_000);

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** User + system CPU seconds a process has used so far (from /proc), or NaN. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15 of proc(5): utime, stime
  } catch {
    return NaN;
  }
}

/**
 * Loopback throughput moves with where the scheduler puts sender and receiver (same core or not).
 * BENCH_PIN=1 runs every server on CPU 0 and every h2load client on CPU 1 (needs taskset and 2 CPUs).
 * Off by default: on this shared 2-core machine it did not narrow the spread (other work shares
 * both cores) and it lowers throughput for everyone.
 */
const PIN = process.env.BENCH_PIN === '1' && cpus().length >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
export function pinned(role, cmd, args) {
  if (!PIN) return [cmd, args];
  return ['taskset', ['-c', role === 'server' ? '0' : '1', cmd, ...args]];
}
export const placement = PIN ? 'servers pinned to CPU 0, clients to CPU 1' : 'no CPU pinning';

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Starts `node server.mjs <kind>`; resolves to { kind, port, pid, cpu(), peakRss(), stop() }.
 * BENCH_CPU_PROF=<dir> runs the servers under `node --cpu-prof` and writes profiles there.
 */
export async function startServer(kind) {
  // Other builds in this checkout may be replacing packages/*/dist right now: a server that cannot
  // load its modules is retried for a while rather than failing the whole suite.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(kind);
    } catch (error) {
      if (attempt >= 15) throw error;
      process.stderr.write(`${error.message}; retrying in 2 s (packages being rebuilt?)\n`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function startServerOnce(kind) {
  const args = [];
  if (process.env.BENCH_CPU_PROF) args.push('--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF, '--cpu-prof-name', `${kind}.cpuprofile`);
  const [cmd, argv] = pinned('server', process.execPath, [...args, join(here, 'server.mjs'), kind]);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    // Before the port is known stderr is kept for the error; after, it is the server's own log.
    if (stderr !== null) stderr += d;
    else process.stderr.write(d);
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 30_000);
    child.stdout.once('data', (d) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(d)).port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const why = /Error[^\n]*/.exec(stderr ?? '')?.[0] ?? '';
      reject(new Error(`${kind} server exited with ${code} ${why}`));
    });
  });
  stderr = null;
  return {
    kind,
    port,
    pid: child.pid,
    cpu: () => cpuSeconds(child.pid),
    peakRss: () => peakRssMiB(child.pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function stopAll(servers) {
  await Promise.all(servers.map((s) => s.stop()));
}

/**
 * GET over a raw socket with `connection: close`: no client-side HTTP library, so the client costs
 * as little as possible. Content-Length bodies are counted here, chunked ones through the project's
 * ChunkedDecoder, so the body bytes are exact; with `countLines`, also counts "\n" in the body.
 * Resolves to { status, bodyBytes, wireBytes, lines, seconds }.
 */
export function h1Get(port, path, { countLines = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(new Error(`GET ${path} timed out`)), REQUEST_TIMEOUT_MS);
    let head = Buffer.alloc(0);
    let status = 0;
    let mode = 'head'; // head | length | chunked | done
    let remaining = 0;
    let decoder = null;
    let bodyBytes = 0;
    let wireBytes = 0;
    let lines = 0;
    const body = (buf, start, end) => {
      bodyBytes += end - start;
      if (countLines) {
        let i = buf.indexOf(10, start);
        while (i !== -1 && i < end) {
          lines++;
          i = buf.indexOf(10, i + 1);
        }
      }
    };
    const finish = () => {
      mode = 'done';
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      socket.destroy();
      resolve({ status, bodyBytes, wireBytes, lines, seconds });
    };
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`));
    socket.on('data', (buf) => {
      wireBytes += buf.length;
      if (mode === 'head') {
        head = Buffer.concat([head, buf]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        const text = head.subarray(0, end).toString('latin1');
        status = Number(text.slice(9, 12));
        buf = head.subarray(end + 4);
        if (/\r\ntransfer-encoding:\s*chunked/i.test(text)) {
          // The project's own strict RFC 9112 decoder counts the body of chunked responses.
          decoder = new ChunkedDecoder();
          decoder.on('data', (c) => body(c, 0, c.length));
          decoder.on('trailers', () => decoder.end());
          decoder.on('end', finish);
          decoder.on('error', (e) => socket.destroy(e));
          mode = 'chunked';
        } else {
          const m = /\r\ncontent-length:\s*(\d+)/i.exec(text);
          if (!m) return socket.destroy(new Error(`no body framing in response to ${path}: ${text}`));
          remaining = Number(m[1]);
          mode = 'length';
          if (remaining === 0) return finish();
        }
      }
      if (mode === 'chunked') decoder.write(buf);
      else if (mode === 'length' && buf.length > 0) {
        const n = Math.min(remaining, buf.length);
        body(buf, 0, n);
        remaining -= n;
        if (remaining === 0) finish();
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (mode !== 'done') reject(new Error(`GET ${path}: connection closed in state ${mode} after ${bodyBytes} body bytes`));
    });
  });
}

export const hasH2load = spawnSync('sh', ['-c', 'command -v h2load']).status === 0;

/**
 * Downloads `path` with nghttp2's h2load (one connection, one request; on h2c with receive windows
 * 2^windowBits, with `h1` over HTTP/1.1), a C client that discards the body. On this 2-core machine
 * Node clients saturate their core near 1–1.5 GiB/s, below what the servers can send.
 * Resolves to { status, bodyBytes, seconds }.
 */
export function h2loadGet(port, path, { windowBits = 24, h1 = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const proto = h1 ? ['--h1'] : ['-w', String(windowBits), '-W', String(windowBits)];
    const [cmd, argv] = pinned('client', 'h2load', ['-n1', '-c1', '-m1', ...proto, `http://127.0.0.1:${port}${path}`]);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), REQUEST_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const ok = /1 succeeded/.test(out) && /status codes: 1 2xx/.test(out);
      const data = /\((\d+)\) data/.exec(out);
      if (code !== 0 || !ok || !data) return reject(new Error(`h2load failed (${code}): ${out.slice(-400)}`));
      resolve({ status: 200, bodyBytes: Number(data[1]), seconds });
    });
  });
}

/** Opens an h2c session (prior knowledge). `windows` raises the client's receive windows. */
export async function h2Connect(port, { windows } = {}) {
  const session = http2.connect(`http://127.0.0.1:${port}`, windows ? { settings: { initialWindowSize: windows } } : {});
  session.on('error', () => {});
  await new Promise((resolve, reject) => {
    session.once('connect', resolve);
    session.once('error', reject);
  });
  if (windows) session.setLocalWindowSize(windows);
  return session;
}

function closeSession(session) {
  return new Promise((resolve) => {
    if (session.closed || session.destroyed) return resolve();
    const t = setTimeout(() => (session.destroy(), resolve()), 5_000);
    session.close(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Downloads `path` on a fresh h2c session and discards the body. Resolves to { status, bodyBytes, seconds }. */
export async function h2Get(port, path, { windows } = {}) {
  const t0 = process.hrtime.bigint();
  const session = await h2Connect(port, { windows });
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({ ':path': path });
      const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), REQUEST_TIMEOUT_MS);
      let status = 0;
      let bodyBytes = 0;
      req.on('response', (h) => (status = h[':status']));
      req.on('data', (c) => (bodyBytes += c.length));
      req.on('end', () => {
        clearTimeout(timer);
        resolve({ status, bodyBytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.on('close', () => {
        clearTimeout(timer);
        if (req.rstCode) reject(new Error(`stream reset with code ${req.rstCode} after ${bodyBytes} bytes`));
      });
      req.end();
    });
  } finally {
    await closeSession(session);
  }
}

/**
 * POSTs `bytes` in `chunk`-sized writes (waiting for 'drain') on a fresh h2c session with Node's
 * default client settings, and reads the server's count. Resolves to { bytes, seconds, server }.
 */
export async function h2Upload(port, bytes, chunk = 64 * 1024) {
  const buf = Buffer.alloc(chunk, 0x61);
  const t0 = process.hrtime.bigint();
  const session = await h2Connect(port);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/upload', 'content-type': 'application/octet-stream' });
      const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), REQUEST_TIMEOUT_MS);
      let answer = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (answer += d));
      req.on('end', () => {
        clearTimeout(timer);
        const server = JSON.parse(answer);
        resolve({ bytes: server.bytes, seconds: Number(process.hrtime.bigint() - t0) / 1e9, server });
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      (async () => {
        let left = bytes;
        while (left > 0) {
          const piece = left >= chunk ? buf : buf.subarray(0, left);
          left -= piece.length;
          if (!req.write(piece)) await drained(req);
        }
        req.end();
      })().catch(reject);
    });
  } finally {
    await closeSession(session);
  }
}

/** Waits for 'drain'; rejects if the stream closes first. Leaves no listener behind either way. */
function drained(stream) {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.removeListener('close', onClose);
      resolve();
    };
    const onClose = () => {
      stream.removeListener('drain', onDrain);
      reject(new Error('stream closed while waiting for drain'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}

/** Measures one h2 PING round trip through `port`, in ms. */
export async function h2PingMs(port) {
  const session = await h2Connect(port);
  try {
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(await new Promise((r, j) => session.ping((e, ms) => (e ? j(e) : r(ms)))));
    return median(samples);
  } finally {
    await closeSession(session);
  }
}

/**
 * A userspace TCP proxy on 127.0.0.1 that holds every chunk `delayMs` before passing it on, in both
 * directions, order kept: a link with RTT ≈ 2 × delayMs. It does not limit bandwidth, and the bytes
 * it holds are bounded by what the endpoints have in flight (HTTP/2 flow control windows).
 */
export async function startDelayProxy(targetPort, delayMs) {
  const sockets = new Set();
  const pipeDelayed = (from, to) => {
    from.on('data', (c) => setTimeout(() => to.destroyed || to.write(c), delayMs));
    from.on('end', () => setTimeout(() => to.destroyed || to.end(), delayMs));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    port: server.address().port,
    stop: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * Runs `measure(server, run)` for every contender, interleaved (A B C, B C A, …) `runs` times, after
 * one `warmup(server)` each. Records the server's CPU seconds per run. Returns { [kind]: results[] }.
 */
export async function interleave(servers, { runs = RUNS, warmup, measure, label = '' }) {
  const results = Object.fromEntries(servers.map((s) => [s.kind, []]));
  for (const s of servers) if (warmup) await warmup(s);
  for (let r = 0; r < runs; r++) {
    const order = servers.map((_, i) => servers[(i + r) % servers.length]);
    for (const s of order) {
      const cpu0 = s.cpu();
      const result = await measure(s, r);
      result.serverCpu = s.cpu() - cpu0;
      results[s.kind].push(result);
    }
    process.stderr.write(`${label} run ${r + 1}/${runs}: ${servers.map((s) => `${s.kind} ${fmt(results[s.kind][r])}`).join(', ')}\n`);
  }
  return results;
}

const fmt = (r) => (r.mibs !== undefined ? `${r.mibs.toFixed(0)} MiB/s` : `${r.seconds.toFixed(2)} s`);

/** Median of field `key` over results. */
export const med = (results, key) => median(results.map((r) => r[key]));

/** Median over runs of the per-run ratio a[i][key] / b[i][key] (both measured in run i). */
export const ratio = (a, b, key) => median(a.map((r, i) => r[key] / b[i][key]));

/** Checks a condition and throws a readable error: a wrong byte count is a failed benchmark. */
export function expect(cond, message) {
  if (!cond) throw new Error(message);
}
