import { createHash } from 'node:crypto';
import { create } from 'xmlbuilder2';
import { timestampsOf, type Chapter, type EpisodeSpeaker } from '../../shared/podcast.js';

/** XML namespaces of a podcast feed. */
export const NS = {
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  podcast: 'https://podcastindex.org/namespace/1.0',
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
} as const;

export interface FeedChannel {
  /** The feed's own URL (atom:link rel=self, and the seed of podcast:guid). */
  selfUrl: string;
  link: string;
  title: string;
  description: string;
  author: string;
  ownerName: string;
  ownerEmail: string;
  imageUrl: string;
  category: string;
  language: string;
}

export interface FeedEpisode {
  guid: string;
  title: string;
  link: string;
  showNotes: string;
  publishedAt: number;
  enclosure: { url: string; length: number; type: string };
  durationS: number;
  transcripts: { url: string; type: string }[];
  chaptersUrl: string;
  people: (EpisodeSpeaker & { href: string | null })[];
}

export interface FeedLiveItem {
  guid: string;
  title: string;
  link: string;
  status: 'pending' | 'live';
  start: number;
  end: number;
  streamUrl: string | null;
}

/** UUIDv5 (SHA-1, RFC 4122) of a name in a namespace: Podcasting 2.0's `podcast:guid` is this over the feed URL. */
export function uuidv5(name: string, namespace = 'ead4c236-bf58-58c6-a2c6-a6b28d128cb6'): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const h = createHash('sha1').update(ns).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const clock = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
};

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Show notes as HTML for `content:encoded`: paragraphs from blank lines, and every timestamp
 * (`12:34`, `1:02:03`) a link to that moment of the replay (`<link>#t=<seconds>`), which the
 * replay page follows.
 */
export function showNotesHtml(notes: string, replayUrl: string): string {
  const paragraphs = notes.split(/\n\s*\n/).filter((p) => p.trim());
  return paragraphs
    .map((p) => {
      let out = '';
      let last = 0;
      for (const t of timestampsOf(p)) {
        out += escapeHtml(p.slice(last, t.index));
        out += `<a href="${escapeHtml(`${replayUrl}#t=${Math.round(t.ms / 1000)}`)}">${escapeHtml(p.slice(t.index, t.index + t.length))}</a>`;
        last = t.index + t.length;
      }
      out += escapeHtml(p.slice(last));
      return `<p>${out.replace(/\n/g, '<br>')}</p>`;
    })
    .join('');
}

/** Podcasting 2.0 JSON chapters (`application/json+chapters`, version 1.2.0). */
export function chaptersJson(chapters: Pick<Chapter, 'startMs' | 'title'>[], link?: string): { version: string; chapters: { startTime: number; title: string; url?: string }[] } {
  return {
    version: '1.2.0',
    chapters: chapters.map((c) => ({ startTime: Math.round(c.startMs) / 1000, title: c.title, ...(link ? { url: `${link}#t=${Math.floor(c.startMs / 1000)}` } : {}) })),
  };
}

/**
 * The RSS 2.0 document: the iTunes tags podcast directories require (author, owner, image,
 * category, explicit, type) and Podcasting 2.0 (guid, transcripts, chapters, people, liveItem).
 * Built with xmlbuilder2, so every value is escaped by the XML writer, never by hand.
 */
export function buildFeed(channel: FeedChannel, episodes: FeedEpisode[], live: FeedLiveItem[]): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const rss = doc.ele('rss', {
    version: '2.0',
    'xmlns:itunes': NS.itunes,
    'xmlns:podcast': NS.podcast,
    'xmlns:atom': NS.atom,
    'xmlns:content': NS.content,
  });
  const ch = rss.ele('channel');
  ch.ele('title').txt(channel.title);
  ch.ele('link').txt(channel.link);
  ch.ele('description').txt(channel.description);
  ch.ele('language').txt(channel.language);
  ch.ele('generator').txt('Spaces Studio');
  ch.ele(NS.atom, 'atom:link', { href: channel.selfUrl, rel: 'self', type: 'application/rss+xml' });
  ch.ele(NS.itunes, 'itunes:author').txt(channel.author);
  const owner = ch.ele(NS.itunes, 'itunes:owner');
  owner.ele(NS.itunes, 'itunes:name').txt(channel.ownerName);
  owner.ele(NS.itunes, 'itunes:email').txt(channel.ownerEmail);
  ch.ele(NS.itunes, 'itunes:image', { href: channel.imageUrl });
  const img = ch.ele('image');
  img.ele('url').txt(channel.imageUrl);
  img.ele('title').txt(channel.title);
  img.ele('link').txt(channel.link);
  const [top, sub] = channel.category.split('/').map((s) => s.trim());
  const cat = ch.ele(NS.itunes, 'itunes:category', { text: top! });
  if (sub) cat.ele(NS.itunes, 'itunes:category', { text: sub });
  ch.ele(NS.itunes, 'itunes:explicit').txt('false');
  ch.ele(NS.itunes, 'itunes:type').txt('episodic');
  ch.ele(NS.podcast, 'podcast:guid').txt(uuidv5(channel.selfUrl.replace(/^[a-z]+:\/\//i, '').replace(/\/$/, '')));
  ch.ele(NS.podcast, 'podcast:medium').txt('podcast');

  for (const l of live) {
    const li = ch.ele(NS.podcast, 'podcast:liveItem', { status: l.status, start: new Date(l.start).toISOString(), end: new Date(l.end).toISOString() });
    li.ele('title').txt(l.title);
    li.ele('guid', { isPermaLink: 'false' }).txt(l.guid);
    li.ele('link').txt(l.link);
    if (l.streamUrl) li.ele('enclosure', { url: l.streamUrl, type: 'application/x-mpegURL', length: '0' });
    li.ele(NS.podcast, 'podcast:contentLink', { href: l.link }).txt(l.status === 'live' ? 'Listen live' : 'Set a reminder');
  }

  for (const e of episodes) {
    const it = ch.ele('item');
    it.ele('title').txt(e.title);
    it.ele('link').txt(e.link);
    it.ele('guid', { isPermaLink: 'false' }).txt(e.guid);
    it.ele('pubDate').txt(new Date(e.publishedAt).toUTCString());
    const notes = e.showNotes.trim() || e.title;
    it.ele('description').txt(notes);
    it.ele(NS.content, 'content:encoded').dat(showNotesHtml(notes, e.link));
    it.ele('enclosure', { url: e.enclosure.url, length: String(e.enclosure.length), type: e.enclosure.type });
    it.ele(NS.itunes, 'itunes:duration').txt(String(Math.round(e.durationS)));
    it.ele(NS.itunes, 'itunes:explicit').txt('false');
    it.ele(NS.itunes, 'itunes:episodeType').txt('full');
    it.ele(NS.itunes, 'itunes:image', { href: channel.imageUrl });
    for (const t of e.transcripts) it.ele(NS.podcast, 'podcast:transcript', { url: t.url, type: t.type, ...(t.type === 'application/x-subrip' || t.type === 'text/vtt' ? { rel: 'captions' } : {}) });
    it.ele(NS.podcast, 'podcast:chapters', { url: e.chaptersUrl, type: 'application/json+chapters' });
    for (const p of e.people) it.ele(NS.podcast, 'podcast:person', { role: p.role, ...(p.href ? { href: p.href } : {}) }).txt(p.name);
  }
  return doc.end({ prettyPrint: true });
}

export { clock as chapterClock };
