// The benchmark peer, in its own process so its CPU and memory are not the client's.
//   POST|PUT /upload       reads and discards the body, answers the byte count
//   GET /small             answers a 13-byte body
//   GET /download?size=N   streams N bytes from one reused 64 KiB chunk
// Prints "PORT <n>" on stdout when listening; exits when stdin closes.
import http from 'node:http';

const chunk = Buffer.alloc(64 * 1024, 'x');
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/small') {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 13 });
    return res.end('hello, world!');
  }
  if (url.pathname === '/download') {
    const size = Number(url.searchParams.get('size'));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'content-disposition': 'attachment; filename="big.bin"' });
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => res.end(String(n)));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
