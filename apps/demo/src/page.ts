/** The demo page: it reads the streams with fetch() and shows rows as they arrive. */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sluice demo</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; max-width: 56rem; }
  pre { background: #f4f4f4; padding: 1rem; height: 14rem; overflow: auto; }
  button { margin-right: .5rem; }
</style>
</head>
<body>
<h1>Sluice</h1>
<p>Streaming over HTTP/1.1 and HTTP/2 with one StreamWriter. Every response below is produced as the browser reads it.</p>
<p>
  <button id="ticks">Stream ticks</button>
  <button id="ndjson">Stream 10,000 NDJSON rows</button>
</p>
<p>Status: <span id="status">idle</span> · rows: <span id="rows">0</span></p>
<pre id="out"></pre>
<script>
const out = document.getElementById('out');
const status = document.getElementById('status');
const rowsEl = document.getElementById('rows');
async function stream(url) {
  out.textContent = '';
  rowsEl.textContent = '0';
  status.textContent = 'streaming';
  const res = await fetch(url);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '', rows = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    const lines = buf.split('\\n');
    buf = lines.pop();
    for (const line of lines) {
      rows++;
      if (rows <= 200 || rows % 1000 === 0) out.textContent += line + '\\n';
    }
    rowsEl.textContent = String(rows);
  }
  status.textContent = 'done';
}
document.getElementById('ticks').onclick = () => stream('/ticks?count=5');
document.getElementById('ndjson').onclick = () => stream('/ndjson?rows=10000');
</script>
</body>
</html>
`;
