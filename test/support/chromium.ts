import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

async function loadPlaywright(): Promise<typeof import('playwright-core') | undefined> {
  try {
    return await import('playwright-core');
  } catch {
    return undefined;
  }
}

const playwright = await loadPlaywright();

/** Why page tests cannot run here (for tap's `skip`), or false when Debian's chromium and playwright-core are present. */
export const browserSkip: string | false = !existsSync(CHROMIUM) ? `${CHROMIUM} is not installed` : !playwright ? 'playwright-core is not installed' : false;

/** Headless Debian chromium, driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  return playwright!.chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
