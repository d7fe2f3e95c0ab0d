import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'rss-parser';

export interface GpodderView {
  title: string;
  cover_url: string | null;
  episodes: { title: string; guid: string; total_time: number; published: number; link: string; description: string; enclosures: { url: string; file_size: number; mime_type: string }[] }[];
  required: Record<string, string | null>;
  items: { guid: string; duration: string; transcripts: { url: string; type: string }[]; chapters: { url: string; type: string }[]; people: { role: string; name: string }[] }[];
  live: { status: string; start: string; title: string; guid: string; stream: string | null; type: string | null }[];
}

/** The feed as gPodder's parser (Debian python3-podcastparser) reads it, plus the tags directories require. */
export function parseWithPodcastparser(xml: string, url: string): GpodderView {
  const file = join(mkdtempSync(join(tmpdir(), 'spaces-feed-')), 'podcast.xml');
  writeFileSync(file, xml);
  const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'podcast_feed.py'), file, url], { encoding: 'utf8' });
  return JSON.parse(out) as GpodderView;
}

/** The feed as a Node RSS library (rss-parser) reads it, with the iTunes and Podcasting 2.0 fields we check. */
export async function parseWithRssParser(xml: string) {
  const parser = new Parser<Record<string, unknown>, { 'podcast:chapters'?: unknown; 'podcast:person'?: unknown }>({
    customFields: { item: [['podcast:chapters', 'podcast:chapters'], ['podcast:person', 'podcast:person', { keepArray: true }]] },
  });
  return parser.parseString(xml);
}
