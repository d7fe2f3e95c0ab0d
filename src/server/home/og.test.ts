import { describe, expect, it } from 'vitest';
import { previewCard, previewTags } from './og.js';

describe('link previews', () => {
  const p = {
    title: 'Tea & "talk" <script>alert(1)</script>',
    hostName: 'Ada <b>',
    hostHandle: 'ada',
    status: 'scheduled' as const,
    startsAt: Date.UTC(2026, 11, 24, 18, 0),
    timeZone: 'Europe/Rome',
    url: 'https://spaces.example/s/abc',
    image: 'https://spaces.example/s/abc/card.png?v=scheduled',
  };

  it('tags carry title, host, state and start time, escaped', () => {
    const tags = previewTags(p);
    expect(tags).not.toContain('<script>');
    expect(tags).not.toContain('<b>');
    expect(tags).toContain('<meta property="og:title" content="Tea &#38; &#34;talk&#34; &#60;script&#62;alert(1)&#60;/script&#62;">');
    expect(tags).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(tags).toContain('Scheduled · Hosted by Ada &#60;b&#62; (@ada) · starts Dec 24, 2026, 7:00 PM (Europe/Rome)');
    expect(tags).toContain('<meta name="spaces:starts" content="2026-12-24T18:00:00.000Z">');
  });

  it('the card is a 1200x630 PNG, whatever the title', () => {
    const png = previewCard({ ...p, title: 'x'.repeat(300) });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 630]);
  });
});
