import { Readable } from 'node:stream';
import { BodyNotReplayableError, ConnectionError, createClient, HttpClient, retry } from '../index.js';
import { parseRetryAfter } from './retry.js';
import { startServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
let client: HttpClient;
let failuresLeft = 0;
const bodies: string[] = [];

beforeAll(async () => {
  server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      if (req.url === '/reset' && failuresLeft-- > 0) return req.socket.destroy();
      if (req.url === '/partial') {
        // headers and 100 of the 1000 bytes announced, then the connection dies
        res.writeHead(200, { 'content-length': '1000' });
        res.write('x'.repeat(100));
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      if (failuresLeft-- > 0) {
        res.writeHead(503, { 'retry-after': '0' });
        return res.end('busy');
      }
      res.end('ok');
    });
  });
  client = createClient({ baseURL: server.url }).use(retry({ retries: 3, minDelay: 5, maxDelay: 20 }));
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => (bodies.length = 0));

test('a factory body is replayed on each attempt and the retry succeeds', async () => {
  failuresLeft = 2;
  const res = await client.put('/x').body(() => Readable.from(['payload'])).send();
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('ok');
  expect(bodies).toEqual(['payload', 'payload', 'payload']);
});

test('connection resets are retried for idempotent methods', async () => {
  failuresLeft = 1;
  const res = await client.get('/reset').send();
  expect(await res.text()).toBe('ok');
});

test('a consumed one-shot stream is never resent: BodyNotReplayableError says why', async () => {
  failuresLeft = 1;
  const err = await client.put('/x').body(Readable.from(['once'])).send().catch((e) => e);
  expect(err).toBeInstanceOf(BodyNotReplayableError);
  expect(err.code).toBe('ERR_SLUICE_BODY_NOT_REPLAYABLE');
  expect(err.message).toMatch(/retry after HTTP 503.*one-shot stream/);
  expect(bodies).toEqual(['once']); // never an empty second body
  failuresLeft = 0;
});

test('non-idempotent methods are not retried by default; the last response is returned', async () => {
  failuresLeft = 1;
  const res = await client.post('/x').body('p').send();
  expect(res.status).toBe(503);
  await res.dump();
  expect(bodies.length).toBe(1);
  failuresLeft = 0;
});

test('retries stop at the limit and return the last response', async () => {
  failuresLeft = 10;
  const res = await client.get('/x').send();
  expect(res.status).toBe(503);
  await res.dump();
  expect(bodies.length).toBe(4);
  failuresLeft = 0;
});

test('Retry-After as seconds and as an HTTP date', () => {
  expect(parseRetryAfter('3')).toBe(3000);
  const now = Date.parse('2025-01-01T00:00:00Z');
  expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
  expect(parseRetryAfter('soon')).toBeNull();
});

test('a response whose body fails after the headers is not retried: the body reader gets the error', async () => {
  const res = await client.get('/partial').send();
  expect(res.status).toBe(200);
  await expect(res.text()).rejects.toBeInstanceOf(ConnectionError);
  expect(bodies).toHaveLength(1); // one attempt: send() had already resolved when the body failed
});
