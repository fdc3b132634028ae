// The NDJSON benchmark's row: deterministic from its index, ~100 bytes once serialized, so the client
// can compute the exact body length every server must send.
export function row(i) {
  return { id: i, name: `user${i}`, email: `u${i}@example.com`, region: 'eu', score: (i % 1000) / 1000, active: (i & 1) === 0 };
}

/** Bytes of the NDJSON body for rows 0..n-1 (one JSON text plus "\n" each). */
export function ndjsonBytes(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += Buffer.byteLength(JSON.stringify(row(i))) + 1;
  return total;
}
