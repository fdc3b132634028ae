import { Readable } from 'node:stream';
import { BodyNotReplayableError, createClient, HttpClient, redirects, TooManyRedirectsError } from '../index.js';
import { startServer, type Received, type TestServer } from '../test-support/server.js';

let a: TestServer;
let b: TestServer;
let client: HttpClient;
const seen: Array<Received & { server: string }> = [];

function recorder(name: string, route: (url: string) => [number, string] | null) {
  return startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ server: name, method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      const r = route(req.url!);
      if (r) {
        res.writeHead(r[0], { location: r[1] });
        return res.end();
      }
      res.end('final');
    });
  });
}

beforeAll(async () => {
  b = await recorder('b', () => null);
  a = await recorder('a', (url) => {
    const m = /^\/(\d{3})(\/cross)?$/.exec(url);
    if (m) return [Number(m[1]), m[2] ? `${b.url}/landed` : '/landed'];
    if (url === '/loop') return [302, '/loop'];
    return null;
  });
  client = createClient({ baseURL: a.url }).use(redirects({ max: 3 }));
});
afterAll(async () => {
  await client.close();
  await a.close();
  await b.close();
});
beforeEach(() => (seen.length = 0));

test('Authorization and Cookie are stripped across origins, kept on the same origin', async () => {
  let res = await client.get('/302/cross').header('authorization', 'Bearer s3cret').header('cookie', 'sid=1').header('x-keep', 'y').send();
  expect(await res.text()).toBe('final');
  expect(res.url).toBe(`${b.url}/landed`);
  const landed = seen[1]!;
  expect(landed.server).toBe('b');
  expect(landed.headers.authorization).toBeUndefined();
  expect(landed.headers.cookie).toBeUndefined();
  expect(landed.headers['x-keep']).toBe('y');
  seen.length = 0;
  res = await client.get('/302').header('authorization', 'Bearer s3cret').send();
  await res.text();
  expect(seen[1]!.headers.authorization).toBe('Bearer s3cret');
});

test('303 and POST+302 become GET without a body; 307/308 keep method and body', async () => {
  for (const [status, method, want] of [
    [303, 'PUT', 'GET'],
    [302, 'POST', 'GET'],
    [301, 'POST', 'GET'],
    [307, 'POST', 'POST'],
    [308, 'PUT', 'PUT'],
  ] as const) {
    seen.length = 0;
    const res = await client.request(method, `/${status}`).body(Buffer.from('data')).send();
    await res.text();
    expect([status, seen[1]!.method]).toEqual([status, want]);
    expect(seen[1]!.body.toString()).toBe(want === 'GET' ? '' : 'data');
    if (want === 'GET') expect(seen[1]!.headers['content-type']).toBeUndefined();
  }
});

test('a 307 with a consumed one-shot stream fails with BodyNotReplayableError; a factory is replayed', async () => {
  const err = await client.post('/307').body(Readable.from(['once'])).send().catch((e) => e);
  expect(err).toBeInstanceOf(BodyNotReplayableError);
  expect(err.message).toMatch(/redirect 307/);
  const res = await client.post('/307').body(() => Readable.from(['again'])).send();
  expect(await res.text()).toBe('final');
  expect(seen.at(-1)!.body.toString()).toBe('again');
});

test('a redirect loop ends with TooManyRedirectsError', async () => {
  const err = await client.get('/loop').send().catch((e) => e);
  expect(err).toBeInstanceOf(TooManyRedirectsError);
  expect(seen.length).toBe(4);
});
