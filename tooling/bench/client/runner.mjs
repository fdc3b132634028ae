// One measured run in a fresh process: `node runner.mjs <task> <contender> '<json args>'`.
// Prints one JSON line: seconds, CPU seconds of this process, RSS delta (peak sampled every 10 ms
// minus the baseline taken after a warm-up and a GC), plus task-specific figures.
import http from 'node:http';
import { createReadStream, openAsBlob } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../../../packages/httpstream-client/package.json', import.meta.url));
const [task, contenderArg, rawArgs] = process.argv.slice(2);
// `ours@before` is ours built from another tree (BENCH_CLIENT_BEFORE: path of its dist/esm/index.js),
// so a change can be measured against the previous build in the same interleaved run.
const before = contenderArg.endsWith('@before');
const contender = before ? contenderArg.slice(0, -'@before'.length) : contenderArg;
const { createClient, fromFile } = await import(
  before ? pathToFileURL(process.env.BENCH_CLIENT_BEFORE).href : '../../../packages/httpstream-client/dist/esm/index.js'
);
const args = JSON.parse(rawArgs);
const MiB = 1024 * 1024;

// Fresh 64 KiB chunks (allocUnsafe: no fill cost), so a client that buffers what it sends shows
// it in RSS; one reused chunk would hide that.
const CHUNK = 64 * 1024;
function generated(total) {
  let produced = 0;
  return new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (produced >= total) return void this.push(null);
      const n = Math.min(CHUNK, total - produced);
      produced += n;
      this.push(Buffer.allocUnsafe(n));
    },
  });
}
function generatedWeb(total) {
  let produced = 0;
  return new ReadableStream({
    pull(c) {
      if (produced >= total) return c.close();
      const n = Math.min(CHUNK, total - produced);
      produced += n;
      c.enqueue(new Uint8Array(n));
    },
  });
}

const undici = () => require('undici');
const axios = () => require('axios');
const FormDataPkg = () => require('form-data');
const got = async () => (await import(pathToFileURL(require.resolve('got')).href)).default;

function nodeHttpSend(url, method, headers, pipeFrom, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeFrom(req);
  });
}

/** Builds the contender's operation: setup once, then op(size) per measured run. */
async function upload(name, url) {
  switch (name) {
    case 'ours': {
      const c = createClient();
      return async (size) => (await c.put(`${url}/upload`).body(generated(size), 'application/octet-stream', { size }).send()).text();
    }
    case 'undici.request': {
      const { request } = undici();
      return async (size) => (await request(`${url}/upload`, { method: 'PUT', body: generated(size), headers: { 'content-length': String(size) } })).body.text();
    }
    case 'fetch':
      return async (size) => (await fetch(`${url}/upload`, { method: 'PUT', body: generatedWeb(size), duplex: 'half' })).text();
    case 'node:http': {
      const agent = new http.Agent({ keepAlive: true });
      return (size) => nodeHttpSend(`${url}/upload`, 'PUT', { 'content-length': size }, (req) => generated(size).pipe(req), agent);
    }
    case 'axios': {
      const ax = axios();
      return async (size) => (await ax.put(`${url}/upload`, generated(size), { headers: { 'content-length': size } })).data;
    }
  }
  throw new Error(`unknown contender ${name}`);
}

async function multipart(name, url) {
  switch (name) {
    case 'ours': {
      const c = createClient();
      return async (path) => (await c.multipart(`${url}/upload`).file('file', 'big.bin', fromFile(path)).send()).text();
    }
    case 'form-data+node:http': {
      const FormData = FormDataPkg();
      const agent = new http.Agent({ keepAlive: true });
      return async (path) => {
        const form = new FormData();
        form.append('file', createReadStream(path));
        const length = await new Promise((res, rej) => form.getLength((e, n) => (e ? rej(e) : res(n))));
        return nodeHttpSend(`${url}/upload`, 'POST', { ...form.getHeaders(), 'content-length': length }, (req) => form.pipe(req), agent);
      };
    }
    case 'undici FormData+openAsBlob': {
      const { request, FormData } = undici();
      return async (path) => {
        const fd = new FormData();
        fd.append('file', await openAsBlob(path), 'big.bin');
        return (await request(`${url}/upload`, { method: 'POST', body: fd })).body.text();
      };
    }
  }
  throw new Error(`unknown contender ${name}`);
}

async function smallGet(name, url) {
  const target = `${url}/small`;
  switch (name) {
    case 'ours': {
      const c = createClient({ connections: 50 });
      return async () => (await c.get(target).send()).text();
    }
    case 'undici.request': {
      const { request, Agent } = undici();
      const dispatcher = new Agent({ connections: 50 });
      return async () => (await request(target, { dispatcher })).body.text();
    }
    case 'got': {
      const g = await got();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
      return () => g(target, { agent: { http: agent }, retry: { limit: 0 } }).text();
    }
    case 'axios': {
      const ax = axios();
      const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 50 });
      return async () => (await ax.get(target, { httpAgent, responseType: 'text' })).data;
    }
    case 'fetch':
      return async () => (await fetch(target)).text();
  }
  throw new Error(`unknown contender ${name}`);
}

async function relay(name, a, b) {
  switch (name) {
    case 'ours': {
      const c = createClient();
      return async (size) => {
        const download = await c.get(`${a}/download`).query('size', size).stream();
        return (await c.multipart(`${b}/upload`).file('file', 'big.bin', download, { size }).send()).text();
      };
    }
    case 'node:http pipe': {
      const agent = new http.Agent({ keepAlive: true });
      return (size) =>
        new Promise((resolve, reject) => {
          http.get(`${a}/download?size=${size}`, { agent }, (down) => {
            nodeHttpSend(`${b}/upload`, 'PUT', { 'content-length': size }, (req) => down.pipe(req), agent).then(resolve, reject);
          }).on('error', reject);
        });
    }
  }
  throw new Error(`unknown contender ${name}`);
}

async function measure(fn) {
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const extra = await fn();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, rssDeltaMiB: (peak - base) / MiB, ...extra };
}

let result;
if (task === 'upload' || task === 'relay') {
  const op = task === 'upload' ? await upload(contender, args.url) : await relay(contender, args.a, args.b);
  await op(4 * MiB); // warm-up: connections, lazy code
  result = await measure(async () => {
    const answer = Number(await op(args.size));
    // a multipart relay adds its part headers and boundaries to the byte count
    const ok = task === 'relay' && contender === 'ours' ? answer > args.size && answer < args.size + 1024 : answer === args.size;
    if (!ok) throw new Error(`sink received ${answer}, expected ${args.size}`);
    return {};
  });
} else if (task === 'multipart') {
  const op = await multipart(contender, args.url);
  // warm-up like the other tasks: a small file first (connection, lazy code, libuv's fs threads)
  if (args.warmPath) await op(args.warmPath);
  result = await measure(async () => {
    const answer = Number(await op(args.path));
    if (!(answer > args.size)) throw new Error(`sink received ${answer}`);
    return {};
  });
} else if (task === 'gets') {
  const op = await smallGet(contender, args.url);
  const drive = async (n) => {
    let left = n;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (left-- > 0) if ((await op()) !== 'hello, world!') throw new Error('bad body');
      }),
    );
  };
  await drive(1000);
  result = await measure(async () => {
    await drive(args.requests);
    return {};
  });
  result.rps = args.requests / result.seconds;
}
console.log(JSON.stringify(result));
process.exit(0);
