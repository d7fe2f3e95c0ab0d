import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../src/server/app.js';
import type { SignalingClient } from '../../src/shared/signalingClient.js';
import { apiClient } from '../support/apiClient.js';
import { launchChromium } from '../support/browser.js';
import { requireNetns, startTestServer, startTestStudio } from '../support/stack.js';
import { createSpaceInStudio, registerInStudio } from '../support/studioPage.js';

/**
 * Issue 18, item 7: the host searches the audience and pages through it in the Studio (Chromium,
 * the real main-process services, the real Space server). The search used to show a zod dump
 * (`[{"expected":"array","code":"invalid_type","path":["members"]...`): the main process threw the
 * server's answer away. And whatever goes wrong, the person reads a sentence in their language.
 */
const DUMP = /invalid_type|"expected"|"path"|\[\{|ZodError/;

describe('the Studio audience: search and Show more', () => {
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let browser: Browser;
  let host: Page;
  const listeners: SignalingClient[] = [];
  let tamper = false;

  beforeAll(async () => {
    requireNetns();
    server = await startTestServer({ janusWsPort: 8197 });
    studio = await startTestStudio(server.url);
    browser = await launchChromium();
    host = await browser.newPage();
    // The renderer's bridge to the main process, passed through untouched until a test tampers with it.
    await host.routeWebSocket(/\/bridge$/, (ws) => {
      const main = ws.connectToServer();
      const audienceCalls = new Set<number>();
      ws.onMessage((m) => {
        const frame = JSON.parse(String(m)) as { id: number; channel: string };
        if (frame.channel === 'space:audience') audienceCalls.add(frame.id);
        main.send(m);
      });
      main.onMessage((m) => {
        const frame = JSON.parse(String(m)) as { kind: string; id?: number };
        if (tamper && frame.kind === 'result' && frame.id !== undefined && audienceCalls.has(frame.id)) {
          return ws.send(JSON.stringify({ ...frame, result: { ok: true, value: {} } }));
        }
        ws.send(m);
      });
    });
    await host.goto(studio.url);
  });
  afterAll(async () => {
    for (const c of listeners) c.close();
    await browser?.close();
    await studio?.close();
    await server?.close();
  });

  const audience = (): ReturnType<Page['getByRole']> => host.getByRole('list', { name: 'Audience' }).getByRole('listitem');
  const alerts = async (): Promise<string> => (await host.getByRole('alert').allTextContents()).join(' | ');

  it('the host opens a Space; 64 people listen, 7 of them called Marta', async () => {
    await registerInStudio(host, 'audience_host', 'Audience Host');
    const link = await createSpaceInStudio(host, 'Audience check');
    const spaceId = link.split('/s/')[1]!;
    // 64 listeners (more than the 50 newest the roster carries), 7 of them called Marta.
    for (let i = 0; i < 64; i++) {
      const c = await apiClient(server.url);
      listeners.push(c);
      await c.request('space.join', { spaceId, displayName: i % 10 === 3 ? `Marta ${i}` : `Listener ${i}` });
    }
  });

  it('Show more pages through the whole audience', async () => {
    await expect.poll(() => audience().count(), { timeout: 15_000 }).toBe(50);
    await host.getByRole('button', { name: 'Show more' }).click();
    await expect.poll(() => audience().count(), { timeout: 10_000 }).toBe(64);
    expect(await alerts()).not.toMatch(DUMP);
    const names = await audience().allTextContents();
    expect(names.some((n) => n.includes('Listener 0'))).toBe(true); // the first to join, only on the second page
  });

  it('typing in "Search the audience" shows the matching listeners', async () => {
    await host.getByRole('searchbox', { name: 'Search the audience' }).fill('marta');
    await expect.poll(() => audience().count(), { timeout: 10_000 }).toBe(7);
    const names = await audience().allTextContents();
    expect(names.every((n) => n.includes('Marta'))).toBe(true);
    expect(await alerts()).toBe('');
    await host.getByRole('searchbox', { name: 'Search the audience' }).fill('nobody-like-this');
    await expect.poll(() => host.getByText('Nobody in the audience matches.').count(), { timeout: 10_000 }).toBe(1);
    await host.getByRole('searchbox', { name: 'Search the audience' }).fill('');
  });

  it('an unexpected answer shows a sentence in the person\'s language, not a dump (Italian)', async () => {
    // From now on the bridge hands the renderer the answer the old main process gave ({} instead
    // of a page): a contract mismatch the Studio did not expect.
    tamper = true;
    await host.getByRole('tab', { name: 'Settings' }).click();
    await host.getByRole('combobox', { name: 'Language' }).selectOption('it');
    await host.getByRole('tab', { name: 'Diretta' }).click();
    await host.getByRole('searchbox', { name: 'Cerca nel pubblico' }).fill('marta');
    await expect.poll(alerts, { timeout: 10_000 }).toContain('Qualcosa è andato storto sul server o nello Studio. Riprova.');
    expect(await alerts()).not.toMatch(DUMP);
    await host.getByRole('alert').first().scrollIntoViewIfNeeded();
    await host.screenshot({ path: 'docs/screenshots/studio-audience-error-it.png' });
    await host.getByRole('tab', { name: 'Impostazioni' }).click();
    await host.getByRole('combobox', { name: 'Lingua' }).selectOption('en');
  });
});
