import { existsSync } from 'node:fs';
import type { AddressInfo, Server, Socket } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { join } from 'node:path';
import { createDemoServer } from './app.js';

// Debian's Chromium, driven by playwright-core (no browser download). CI installs it with apt-get.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
const maybe = haveChromium ? describe : describe.skip;

maybe('demo page in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let port = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createDemoServer({ publicDir: join(__dirname, '..', 'public') });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  test('the page streams NDJSON rows and ticks as they arrive', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    expect(await page.textContent('h1')).toBe('Sluice');
    await page.click('#ndjson');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'done', undefined, { timeout: 20_000 });
    expect(await page.textContent('#rows')).toBe('10000');
    expect(await page.textContent('#out')).toContain('"i":9999');
    // The ticks arrive one at a time (200 ms apart): the page sees a partial count before the end.
    await page.click('#ticks');
    await page.waitForFunction(() => Number(document.getElementById('rows')!.textContent) >= 1 && document.getElementById('status')!.textContent === 'streaming', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'done', undefined, { timeout: 20_000 });
    expect(await page.textContent('#out')).toContain('tick 4 over http/1.1');
    if (process.env.SLUICE_SCREENSHOT) await page.screenshot({ path: process.env.SLUICE_SCREENSHOT });
    await page.close();
  }, 60_000);
});
