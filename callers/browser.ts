import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fakeMicWav, launchChromium } from '../stack/browser.js';

/**
 * For the isolated run (no person can reach the namespace): headless Chromium opens the page,
 * clicks Call, and its fake microphone asks a question every few seconds. Each finished turn is
 * printed as the page shows it, and out/web-call.png is refreshed, so one can watch the real
 * browser path work.
 */
export async function startBrowserCaller(pageUrl: string, outDir: string): Promise<{ stop(): Promise<void> }> {
  mkdirSync(outDir, { recursive: true });
  const wav = await fakeMicWav(join(outDir, 'isolated-mic.wav'), 'Hello Parley, what is the weather like in Paris today', 8);
  const browser = await launchChromium(wav);
  const context = await browser.newContext({ permissions: ['microphone'], viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.click('#call');
  let printed = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, one cell apart from the next
      const rows = await page.$$eval('#turns tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ')));
      for (const r of rows.slice(printed)) console.log(`browser caller: turn ${r}`);
      if (rows.length > printed) await page.screenshot({ path: join(outDir, 'web-call.png') });
      printed = rows.length;
    })()
      .catch(() => {})
      .finally(() => (busy = false));
  }, 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      await browser.close().catch(() => {});
    },
  };
}
