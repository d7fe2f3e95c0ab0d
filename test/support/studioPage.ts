import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Drives the Studio renderer the way a host does. Plain Playwright waits (no vitest), so the
 * benchmarks use it too.
 */
export async function registerInStudio(page: Page, handle: string, displayName: string, timeout = 15_000): Promise<void> {
  await page.getByTestId('connection-status').filter({ hasText: /^connected$/ }).waitFor({ timeout });
  const form = page.getByRole('form', { name: 'Register' });
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Display name').fill(displayName);
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout });
}

export async function createSpaceInStudio(page: Page, title: string): Promise<string> {
  await page.getByRole('form', { name: 'Create a Space' }).getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create Space' }).click();
  await expect.poll(() => page.getByTestId('space-state').textContent()).toBe('scheduled');
  return (await page.getByTestId('listener-link').textContent())!;
}

/** Registers on the listener page (its own account form). */
export async function registerOnListenerPage(page: Page, handle: string, displayName: string): Promise<void> {
  await page.locator('#account summary').click();
  const form = page.getByRole('form', { name: 'Register' });
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Display name').fill(displayName);
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByRole('button', { name: 'Register' }).click();
  await expect.poll(() => page.locator('#account-summary').textContent(), { timeout: 15_000 }).toBe(`Signed in as @${handle}`);
}
