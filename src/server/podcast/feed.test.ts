import { describe, expect, it } from 'vitest';
import { parseWithPodcastparser, parseWithRssParser } from '../../../test/support/podcastFeed.js';
import { buildFeed, chaptersJson, showNotesHtml, uuidv5, type FeedChannel } from './feed.js';

const channel: FeedChannel = {
  selfUrl: 'https://spaces.example/u/ada/podcast.xml',
  link: 'https://spaces.example/u/ada/podcast.xml',
  title: 'Ada <Lovelace> & friends (Spaces)',
  description: 'Spaces hosted by Ada',
  author: 'Ada Lovelace',
  ownerName: 'Ada Lovelace',
  ownerEmail: 'podcasts@spaces.example',
  imageUrl: 'https://spaces.example/u/ada/cover.png',
  category: 'Society & Culture / Documentary',
  language: 'en',
};

describe('podcast feed', () => {
  const xml = buildFeed(
    channel,
    [
      {
        guid: '0e3b4a7a-1111-4c2b-9a51-0123456789ab',
        title: 'Episode "one" <live>',
        link: 'https://spaces.example/s/abcdefghij',
        showNotes: 'We start at 0:05 with mics.\n\nThen 1:02:03 is the end & more.',
        publishedAt: Date.UTC(2026, 11, 1, 18, 0, 0),
        enclosure: { url: 'https://spaces.example/s/abcdefghij/episode.m4a', length: 123456, type: 'audio/mp4' },
        durationS: 61.6,
        transcripts: [
          { url: 'https://spaces.example/s/abcdefghij/episode/transcript.vtt', type: 'text/vtt' },
          { url: 'https://spaces.example/s/abcdefghij/episode/transcript.srt', type: 'application/x-subrip' },
          { url: 'https://spaces.example/s/abcdefghij/episode/transcript.json', type: 'application/json' },
        ],
        chaptersUrl: 'https://spaces.example/s/abcdefghij/chapters.json',
        people: [
          { name: 'Ada Lovelace', handle: 'ada', role: 'host', href: 'https://spaces.example/u/ada/podcast.xml' },
          { name: 'Charles', handle: null, role: 'guest', href: null },
        ],
      },
    ],
    [
      { guid: 'live-guid-1', title: 'Live now', link: 'https://spaces.example/s/livelivel1', status: 'live', start: Date.UTC(2026, 11, 2, 9), end: Date.UTC(2026, 11, 2, 10), streamUrl: 'https://spaces.example/s/livelivel1/hls/live.m3u8' },
      { guid: 'pending-guid', title: 'Next week', link: 'https://spaces.example/s/pendingpe1', status: 'pending', start: Date.UTC(2026, 11, 9, 9), end: Date.UTC(2026, 11, 9, 10), streamUrl: null },
    ],
  );

  it("gPodder's parser (python3-podcastparser) reads the feed: title, cover, the episode with its enclosure, duration and notes; every required iTunes tag is present", () => {
    const g = parseWithPodcastparser(xml, channel.selfUrl);
    expect(g.title).toBe(channel.title);
    expect(g.cover_url).toBe(channel.imageUrl);
    expect(g.episodes).toHaveLength(1);
    const e = g.episodes[0]!;
    expect(e).toMatchObject({ title: 'Episode "one" <live>', guid: '0e3b4a7a-1111-4c2b-9a51-0123456789ab', total_time: 62, published: Date.UTC(2026, 11, 1, 18) / 1000 });
    expect(e.enclosures).toEqual([{ url: 'https://spaces.example/s/abcdefghij/episode.m4a', file_size: 123456, mime_type: 'audio/mp4' }]);
    for (const [tag, value] of Object.entries(g.required)) expect(value, tag).toBeTruthy();
    expect(g.required['itunes:category']).toBe('Society & Culture');
    expect(g.required['itunes:explicit']).toBe('false');
    expect(g.items[0]!.transcripts.map((t) => t.type)).toEqual(['text/vtt', 'application/x-subrip', 'application/json']);
    expect(g.items[0]!.chapters).toEqual([{ url: 'https://spaces.example/s/abcdefghij/chapters.json', type: 'application/json+chapters' }]);
    expect(g.items[0]!.people).toEqual([
      { role: 'host', name: 'Ada Lovelace' },
      { role: 'guest', name: 'Charles' },
    ]);
    expect(g.live).toEqual([
      { status: 'live', start: '2026-12-02T09:00:00.000Z', title: 'Live now', guid: 'live-guid-1', stream: 'https://spaces.example/s/livelivel1/hls/live.m3u8', type: 'application/x-mpegURL' },
      { status: 'pending', start: '2026-12-09T09:00:00.000Z', title: 'Next week', guid: 'pending-guid', stream: null, type: null },
    ]);
  });

  it('a Node RSS library (rss-parser) reads it too, with the iTunes fields', async () => {
    const feed = await parseWithRssParser(xml);
    expect(feed.title).toBe(channel.title);
    expect(feed.itunes).toMatchObject({ author: 'Ada Lovelace', explicit: 'false', image: channel.imageUrl, owner: { name: 'Ada Lovelace', email: 'podcasts@spaces.example' } });
    expect(feed.itunes?.categories).toContain('Society & Culture');
    expect(feed.items).toHaveLength(1); // live items are not episodes
    const item = feed.items[0]!;
    expect(item.enclosure).toEqual({ url: 'https://spaces.example/s/abcdefghij/episode.m4a', length: '123456', type: 'audio/mp4' });
    expect((item as { itunes?: { duration?: string } }).itunes?.duration).toBe('62');
    expect(item.guid).toBe('0e3b4a7a-1111-4c2b-9a51-0123456789ab');
  });

  it('show notes: timestamps become links to that moment of the replay; text is escaped', () => {
    const html = showNotesHtml('At 12:34 <b>we</b> & at 1:02:03.\n\nBye', 'https://x/s/id');
    expect(html).toBe('<p>At <a href="https://x/s/id#t=754">12:34</a> &#60;b&#62;we&#60;/b&#62; &#38; at <a href="https://x/s/id#t=3723">1:02:03</a>.</p><p>Bye</p>');
    expect(xml).toContain('<a href="https://spaces.example/s/abcdefghij#t=5">0:05</a>');
  });

  it('chapters JSON (Podcasting 2.0, seconds) and the channel guid (UUIDv5 of the feed URL, as the namespace specifies)', () => {
    expect(chaptersJson([{ startMs: 0, title: 'Intro' }, { startMs: 12_345, title: 'Guests' }])).toEqual({
      version: '1.2.0',
      chapters: [
        { startTime: 0, title: 'Intro' },
        { startTime: 12.345, title: 'Guests' },
      ],
    });
    // The example from the podcast namespace's documentation.
    expect(uuidv5('mp3s.nashownotes.com/pc20rss.xml')).toBe('917393e3-1b1e-5cef-ace4-edaa54e1f810');
    expect(xml).toContain(`<podcast:guid>${uuidv5('spaces.example/u/ada/podcast.xml')}</podcast:guid>`);
  });
});
