import { execFile } from 'node:child_process';
import { renameSync, symlinkSync, mkdirSync, writeFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openLast, walkParents } from './locate.js';
import { serveStatic } from './index.js';
import { h1, makeTree, raw, rawStatus, startH1, type Running, type Tree } from './test-support/fixtures.js';

const run = promisify(execFile);
let tree: Tree;
let server: Running;
beforeAll(async () => {
  tree = makeTree();
  server = await startH1(serveStatic(tree.root));
});
afterAll(async () => {
  await server.close();
  tree.cleanup();
});

// Each hostile request line, sent byte for byte on a raw socket (no client normalises it), with
// the status RFC 9110 and `send` would give. None may ever return a byte of a file outside the root.
const HOSTILE: Array<[string, number]> = [
  ['/../secret.txt', 403],
  ['/../../../../etc/passwd', 403],
  ['/%2e%2e/secret.txt', 403],
  ['/%2E%2E/secret.txt', 403],
  ['/.%2e/secret.txt', 403],
  ['/%2e./secret.txt', 403],
  ['/..%2fsecret.txt', 403],
  ['/..%2Fsecret.txt', 403],
  ['/..%5csecret.txt', 403],
  ['/sub/..%5c..%5csecret.txt', 403],
  ['/..\\secret.txt', 400],
  ['/sub\\..\\..\\secret.txt', 400],
  ['/hello.txt%00.png', 400],
  ['/%00', 400],
  ['/%ZZ', 400],
  ['/%c0%ae%c0%ae/secret.txt', 400],
  ['/%c0%2e%c0%2e/secret.txt', 400],
  ['/%e0%80%ae%e0%80%ae/secret.txt', 400],
  ['/../public2/secret.txt', 403],
  ['/%2e%2e/public2/secret.txt', 403],
  ['/.env', 403],
  ['/.git/config', 403],
  ['/sub/../.env', 403],
  ['/%2eenv', 403],
  ['/' + 'x'.repeat(300), 404],
  ['/' + 'dir/'.repeat(1100) + 'f', 404],
  ['http://evil.example/../secret.txt', 403],
];

describe('hostile paths on a raw socket', () => {
  test.each(HOSTILE)('GET %s → %d', async (path, status) => {
    const text = await raw(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(rawStatus(text)).toBe(status);
    expect(text).not.toMatch(/outside secret|sibling secret|SECRET=1|\[core\]/);
  });

  test('a redirect for "//host/dir" or "/\\host" never produces a network-path Location', async () => {
    mkdirSync(join(tree.root, 'evil.example'));
    try {
      const text = await raw(server.port, 'GET //evil.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(rawStatus(text)).toBe(301);
      const loc = /\r\nlocation: ([^\r]*)/i.exec(text)![1];
      expect(loc).toBe('/evil.example/');
      expect(rawStatus(await raw(server.port, 'GET /\\evil.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))).toBe(400);
    } finally {
      rmSync(join(tree.root, 'evil.example'), { recursive: true });
    }
  });
});

describe('curl --path-as-is agrees', () => {
  let curl = true;
  beforeAll(async () => {
    curl = await run('curl', ['--version']).then(
      () => true,
      () => false,
    );
    if (!curl) console.warn('curl is not installed: the curl cross-check is skipped (apt-get install -y curl)');
  });
  test('a sample of the hostile paths', async () => {
    if (!curl) return;
    for (const [path, status] of HOSTILE.filter(([p]) => !p.includes('\\') && p.startsWith('/')).slice(0, 12)) {
      const { stdout } = await run('curl', ['-s', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${server.port}${path}`]);
      expect(`${path} ${stdout}`).toBe(`${path} ${status}`);
    }
  });
});

describe('symlinks', () => {
  test("'deny' (default): a symlink as the file, as a middle component, or outside, is 403", async () => {
    expect((await h1(server.port, '/link-in.txt')).status).toBe(403);
    expect((await h1(server.port, '/link-out.txt')).status).toBe(403);
    expect((await h1(server.port, '/linkdir/file.txt')).status).toBe(403);
    expect((await h1(server.port, '/linkdir-out/secret.txt')).status).toBe(403);
  });

  test("'inside-root': links that stay inside are followed, the others are 403", async () => {
    const s = await startH1(serveStatic(tree.root, { symlinks: 'inside-root' }));
    try {
      expect((await h1(s.port, '/link-in.txt')).body.toString()).toBe('hello, world\n');
      expect((await h1(s.port, '/linkdir/file.txt')).body.toString()).toBe('sub file\n');
      expect((await h1(s.port, '/linkdir/')).body.toString()).toBe('<p>sub</p>');
      expect((await h1(s.port, '/link-out.txt')).status).toBe(403);
      expect((await h1(s.port, '/linkdir-out/secret.txt')).status).toBe(403);
      // A link to a dotfile is a dotfile.
      expect((await h1(s.port, '/link-dot')).status).toBe(403);
    } finally {
      await s.close();
    }
  });

  test('a symlink swapped in as the file after the walk is refused at open (O_NOFOLLOW)', async () => {
    const file = join(tree.root, 'swap.txt');
    writeFileSync(file, 'checked\n');
    const parent = await walkParents(tree.root, [], 'deny', 'deny');
    expect(parent.kind).toBe('parent');
    unlinkSync(file);
    symlinkSync(tree.outside, file);
    const opened = await openLast(tree.root, (parent as { path: string }).path, 'swap.txt', 'deny', 'deny');
    expect(opened).toMatchObject({ kind: 'refused', status: 403 });
    unlinkSync(file);
  });

  test('a middle directory swapped for a symlink between walk and open is refused', async () => {
    const dir = join(tree.root, 'mid');
    mkdirSync(dir);
    writeFileSync(join(dir, 'f.txt'), 'inside\n');
    const parent = await walkParents(tree.root, ['mid'], 'deny', 'deny');
    expect(parent.kind).toBe('parent');
    // Move the real directory away and put a symlink to it in its place: same file, other path.
    renameSync(dir, join(tree.base, 'mid-moved'));
    symlinkSync(join(tree.base, 'mid-moved'), dir);
    const opened = await openLast(tree.root, (parent as { path: string }).path, 'f.txt', 'deny', 'deny');
    expect(opened).toMatchObject({ kind: 'refused', status: 403 });
    unlinkSync(dir);
  });

  test('a FIFO is refused without blocking', async () => {
    const fifo = join(tree.root, 'pipe');
    await run('mkfifo', [fifo]);
    try {
      expect((await h1(server.port, '/pipe')).status).toBe(404);
    } finally {
      unlinkSync(fifo);
    }
  });

  test('swapped during a live request: whatever the timing, never the outside file', async () => {
    const file = join(tree.root, 'flip.txt');
    writeFileSync(file, 'inside\n');
    let flipping = true;
    const flipper = (async () => {
      let i = 0;
      while (flipping) {
        try {
          unlinkSync(file);
          if (i++ % 2) symlinkSync(tree.outside, file);
          else writeFileSync(file, 'inside\n');
        } catch {
          /* racing ourselves is fine */
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const statuses = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const r = await h1(server.port, '/flip.txt');
      statuses.add(r.status);
      expect(r.body.toString()).not.toContain('outside secret');
    }
    flipping = false;
    await flipper;
    expect([...statuses].every((s) => s === 200 || s === 403 || s === 404)).toBe(true);
    rmSync(file, { force: true });
  });
});
