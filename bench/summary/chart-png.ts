import { launchChromium } from '../../test/support/chromium.js';
import type { Chart } from './chart-svg.js';

/** Renders the chart to a PNG file with headless Chromium, at its own size. */
export async function renderPng(chart: Chart, file: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: chart.width, height: chart.height } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${chart.svg}</body></html>`);
    await page.locator('svg').screenshot({ path: file });
  } finally {
    await browser.close();
  }
}
