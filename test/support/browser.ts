// Debian's Chromium driven by playwright-core, with the flags this closed network needs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from './fixtures';

export const screenshotDir = join(projectRoot, 'test-results', 'screenshots');

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** The staff screen: sign in as the demo staff member and open a new 住民票の写し request form. */
export async function startJuminhyoRequest(staff: Page, who: { staffId: string; pin: string }): Promise<void> {
  await staff.locator('input[name=staffId]').fill(who.staffId);
  await staff.locator('input[name=pin]').fill(who.pin);
  await staff.getByRole('button', { name: 'サインイン' }).click();
  await staff.getByRole('button', { name: '＋ 新しい受付' }).click();
  await staff.getByRole('radio', { name: '住民票の写し' }).click();
}
