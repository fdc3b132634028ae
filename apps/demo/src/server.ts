import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDemoServer } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const server = createDemoServer({ publicDir: fileURLToPath(new URL('../public', import.meta.url)) });
server.listen(port, host, () => {
  const { port: actual } = server.address() as AddressInfo;
  console.log(`Sluice demo on http://${host}:${actual}/ (HTTP/1.1 and h2c on the same port)`);
  console.log(`  curl -N http://${host}:${actual}/ticks`);
  console.log(`  curl -N --http2-prior-knowledge http://${host}:${actual}/ticks`);
});
const stop = (): void => {
  server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
