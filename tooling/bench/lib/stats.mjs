// Small shared helpers for the suites: medians, peak RSS of a child process, table printing.
import { readFileSync } from 'node:fs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Peak resident set (VmHWM) of a process in MiB, from /proc; null when unavailable. */
export function peakRssMiB(pid = process.pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Prints rows (objects) as an aligned text table. */
export function table(rows) {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  const cell = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ''));
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals) => '| ' + vals.map((v, i) => v.padEnd(w[i])).join(' | ') + ' |';
  console.log(line(cols));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}
