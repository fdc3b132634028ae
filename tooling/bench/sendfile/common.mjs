// Shared by the sendfile suites: fixtures, servers (Sluice, send via serve-static, nginx) in child
// processes, peak RSS of a process tree, a deadline.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));

export const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

export function makeRoot(bigMiB) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-sendfile-'));
  const root = join(dir, 'www');
  mkdirSync(root);
  // nginx started as root drops its workers to "nobody": they must be able to read the tree.
  chmodSync(dir, 0o755);
  writeFileSync(join(root, 'index.html'), '<!doctype html>' + 'x'.repeat(1024 - 15));
  if (bigMiB > 0) {
    const block = randomBytes(1024 * 1024);
    const fd = openSync(join(root, 'big.bin'), 'w');
    for (let i = 0; i < bigMiB; i++) writeSync(fd, block);
    closeSync(fd);
  }
  return { dir, root, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts Sluice or send (node) or nginx; resolves to { port, pids(), stop() }. */
export async function startServer(impl, proto, root, dir) {
  if (impl === 'nginx') return startNginx(proto, root, dir);
  // Other engineers rebuild the packages in this checkout: a server that cannot load its dist is
  // retried for a while instead of failing the run.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNode(impl, proto, root);
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function startNode(impl, proto, root) {
  const child = spawn(process.execPath, [join(here, 'server.mjs'), impl, proto, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`${impl} server exited with ${code}: ${stderr.slice(-300)}`)));
  });
  child.stderr.on('data', (d) => process.stderr.write(d));
  return {
    port,
    pids: () => [child.pid],
    stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
  };
}

async function startNginx(proto, root, dir) {
  const port = await freePort();
  const prefix = join(dir, `nginx-${proto}`);
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs/error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/cbt; proxy_temp_path ${prefix}/pt; fastcgi_temp_path ${prefix}/ft; uwsgi_temp_path ${prefix}/ut; scgi_temp_path ${prefix}/st;
  types { text/html html; application/octet-stream bin; }
  server {
    listen 127.0.0.1:${port}${proto === 'h2c' ? ' http2' : ''};
    root ${root};
  }
}
`,
  );
  const child = spawn('nginx', ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Wait until it accepts connections.
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    // master plus its worker(s)
    pids: () => [child.pid, ...childrenOf(child.pid)],
    stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
  };
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Sum of VmHWM (MiB) over the given processes. */
export function peakRss(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) / 1024;
    } catch {
      /* gone */
    }
  }
  return total;
}

/** Runs a command, resolves to { code, stdout }. */
export function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
