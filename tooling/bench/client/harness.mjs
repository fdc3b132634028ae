// Shared by the client-* suites: start sink processes, run one measured task in a fresh child
// process (so each run's RSS and CPU are its own), interleave contenders, and take medians.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export const MiB = 1024 * 1024;
export const sizeMB = Number(process.env.BENCH_SIZE_MB ?? 1024);
export const runs = Number(process.env.BENCH_RUNS ?? 3);

export async function startSink() {
  const child = spawn(process.execPath, [join(here, 'sink.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  while (!/PORT (\d+)/.test(out)) {
    const [chunk] = await once(child.stdout, 'data');
    out += chunk;
  }
  const port = Number(/PORT (\d+)/.exec(out)[1]);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.stdin.end() };
}

/** Runs `runner.mjs <task> <contender> <json args>` and returns the JSON it prints. */
export async function runTask(task, contender, args) {
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'runner.mjs'), task, contender, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c) => (out += c));
  const [code] = await once(child, 'exit');
  if (code !== 0) return { error: `exit ${code}` };
  try {
    return JSON.parse(out.trim().split('\n').pop());
  } catch {
    return { error: out.slice(0, 200) };
  }
}

/** Interleaves contenders run by run; returns { contender: [result, …] }. */
export async function interleave(task, contenders, args, n = runs) {
  const results = Object.fromEntries(contenders.map((c) => [c, []]));
  for (let i = 0; i < n; i++) {
    for (const c of contenders) {
      const r = await runTask(task, c, args);
      if (r.error) console.error(`  ${c} run ${i + 1}: ${r.error}`);
      else results[c].push(r);
    }
  }
  return results;
}

export const med = (rs, key) => (rs.length ? median(rs.map((r) => r[key])) : NaN);

/**
 * One table row per contender: throughput, the ratio to the reference contender, CPU per GiB, RSS
 * delta (median and max) and every run's MiB/s, so the machine's noise shows next to the median.
 */
export function throughputRows(results, contenders, reference, sizeMiB = sizeMB) {
  const ref = med(results[reference], 'seconds');
  return contenders.map((c) => {
    const s = med(results[c], 'seconds');
    return {
      client: c,
      'MiB/s': sizeMiB / s,
      [`vs ${reference}`]: ref / s,
      'CPU-s/GiB': med(results[c], 'cpu') / (sizeMiB / 1024),
      'RSS delta MiB': med(results[c], 'rssDeltaMiB'),
      'max RSS delta': Math.max(...results[c].map((r) => r.rssDeltaMiB)),
      'runs MiB/s': results[c].map((r) => Math.round(sizeMiB / r.seconds)).join(' / '),
    };
  });
}
