import { fstatSync, statSync } from 'node:fs';
import { closeFile, localDevice, openTarget, type OpenedFile } from './locate.js';
import { fdCount, makeTree, type Tree } from './test-support/fixtures.js';

let tree: Tree;
beforeAll(() => (tree = makeTree()));
afterAll(() => tree.cleanup());

const linux = process.platform === 'linux';

async function open(segments: string[], rootDev: bigint | null): Promise<OpenedFile> {
  const t = await openTarget(tree.root, segments, 'deny', 'deny', rootDev);
  if (t.kind !== 'file') throw new Error(`expected a file, got ${t.kind}`);
  return t.file;
}

(linux ? test : test.skip)('localDevice: procfs is not a local disk file system; a known one gives its device', () => {
  expect(localDevice('/proc', statSync('/proc', { bigint: true }))).toBeNull();
  const st = statSync(tree.root, { bigint: true });
  const dev = localDevice(tree.root, st);
  // The temp directory may live on any file system; when it is one we know, the device is the root's.
  if (dev !== null) expect(dev).toBe(st.dev);
});

test('fstat/close on the loop only when the directory is on the root device', async () => {
  const dev = statSync(tree.root, { bigint: true }).dev;
  const top = await open(['hello.txt'], dev);
  const deep = await open(['deep', 'er', 'leaf.txt'], dev);
  // A directory on another device than the root (as a mount below it would be): pool.
  const other = await open(['deep', 'er', 'leaf.txt'], dev + 1n);
  const pool = await open(['hello.txt'], null);
  expect([top.onLoop, deep.onLoop, other.onLoop, pool.onLoop]).toEqual([true, true, false, false]);
  // The descriptor is the file that was checked, whichever way it was stat'ed.
  for (const f of [top, deep, other, pool]) expect(fstatSync(f.fd).ino).toBe(Number(f.stat.ino));
  await Promise.all([top, deep, other, pool].map(closeFile));
});

test('closeFile closes a descriptor exactly once, whichever path it takes', async () => {
  const dev = statSync(tree.root, { bigint: true }).dev;
  const before = fdCount();
  for (const rootDev of [dev, null]) {
    const f = await open(['hello.txt'], rootDev);
    expect(fdCount()).toBe(before + 1);
    const first = closeFile(f);
    expect(f.fd).toBe(-1);
    expect(closeFile(f)).toBe(first); // a second call never closes a number that may be reused
    await first;
    expect(fdCount()).toBe(before);
  }
});
