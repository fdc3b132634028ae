import fc from 'fast-check';
import { createClient, logging } from '../index.js';
import { redactHeaders } from './logging.js';
import { startServer, type TestServer } from '../test-support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer((_req, res) => {
    res.setHeader('set-cookie', ['session=SERVERSECRET; HttpOnly']);
    res.end('ok');
  });
});
afterAll(() => server.close());

const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** Every casing of a header name. */
const casing = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flags) => [...name].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch)).join(''));

test('property: redaction never lets a secret value through, whatever the header casing', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SECRET_HEADERS).chain(casing),
      fc.stringMatching(/^[A-Za-z0-9+/=._-]{4,40}$/).map((s) => `SECRET${s}`),
      fc.boolean(),
      fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), fc.stringMatching(/^[a-z ]{0,10}$/)),
      (name, secret, asArray, others) => {
        const out = JSON.stringify(redactHeaders({ ...others, [name]: asArray ? [secret, 'b=2'] : secret }, new Set(SECRET_HEADERS)));
        expect(out).not.toContain('SECRET');
        expect(out).toContain('[REDACTED]');
        return true;
      },
    ),
    { numRuns: 300 },
  );
});

test('the middleware logs request and response with secrets redacted, over the wire', async () => {
  const lines: string[] = [];
  const logger = { info: (fields: object, msg?: string) => lines.push(`${msg} ${JSON.stringify(fields)}`) };
  const client = createClient({ baseURL: server.url.replace('http://', 'http://user:PASSWORDSECRET@') }).use(logging({ logger, redactQuery: ['token'] }));
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('authorization', 'proxy-authorization', 'cookie').chain(casing), async (name) => {
        lines.length = 0;
        const res = await client.get('/x').query('token', 'QUERYSECRET').header(name, 'Bearer HEADERSECRET').send();
        await res.text();
        const log = lines.join('\n');
        expect(log).toContain('http request');
        expect(log).toContain('"status":200');
        for (const secret of ['HEADERSECRET', 'SERVERSECRET', 'PASSWORDSECRET', 'QUERYSECRET']) expect(log).not.toContain(secret);
      }),
      { numRuns: 20 },
    );
  } finally {
    await client.close();
  }
});
