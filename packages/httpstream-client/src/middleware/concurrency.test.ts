import { AbortError, concurrency, createClient } from '../index.js';
import { sleep, startServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
let inFlight = 0;
let peak = 0;
beforeAll(async () => {
  server = await startServer((_req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.write('head ');
    setTimeout(() => {
      inFlight--;
      res.end('tail');
    }, 40);
  });
});
afterAll(() => server.close());

test('at most `max` requests run at once, and a slot is held until the body ends', async () => {
  const client = createClient({ baseURL: server.url }).use(concurrency({ max: 2 }));
  try {
    peak = 0;
    const texts = await Promise.all(Array.from({ length: 6 }, () => client.get('/').send().then((r) => r.text())));
    expect(texts.every((t) => t === 'head tail')).toBe(true);
    expect(peak).toBe(2);
    // headers of two responses are in, bodies unread: a third request waits
    const r1 = await client.get('/').send();
    const r2 = await client.get('/').send();
    let third = false;
    const p3 = client.get('/').send().then((r) => ((third = true), r));
    await sleep(150);
    expect(third).toBe(false);
    await r1.text();
    const r3 = await p3;
    expect(third).toBe(true);
    await Promise.all([r2.text(), r3.text()]);
  } finally {
    await client.close();
  }
});

test('a waiting request can be aborted', async () => {
  const client = createClient({ baseURL: server.url }).use(concurrency({ max: 1 }));
  try {
    const r1 = await client.get('/').send();
    const ac = new AbortController();
    const p = client.get('/').signal(ac.signal).send();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await r1.text();
    expect(await (await client.get('/').send()).text()).toBe('head tail');
  } finally {
    await client.close();
  }
});
