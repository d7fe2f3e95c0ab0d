#!/usr/bin/env python3
"""Reads a podcast feed the way gPodder does (Debian python3-podcastparser) and lists the tags
podcast directories require. Usage: podcast_feed.py FEED.xml FEED_URL. Prints JSON."""
import json
import sys
import xml.etree.ElementTree as ET

import podcastparser

ITUNES = '{http://www.itunes.com/dtds/podcast-1.0.dtd}'
PODCAST = '{https://podcastindex.org/namespace/1.0}'

path, url = sys.argv[1], sys.argv[2]
with open(path, 'rb') as f:
    parsed = podcastparser.parse(url, f)

channel = ET.parse(path).getroot().find('channel')
owner = channel.find(ITUNES + 'owner')
required = {
    'title': channel.findtext('title'),
    'itunes:author': channel.findtext(ITUNES + 'author'),
    'itunes:image': (channel.find(ITUNES + 'image').get('href') if channel.find(ITUNES + 'image') is not None else None),
    'itunes:category': (channel.find(ITUNES + 'category').get('text') if channel.find(ITUNES + 'category') is not None else None),
    'itunes:explicit': channel.findtext(ITUNES + 'explicit'),
    'itunes:owner/name': owner.findtext(ITUNES + 'name') if owner is not None else None,
    'itunes:owner/email': owner.findtext(ITUNES + 'email') if owner is not None else None,
    'language': channel.findtext('language'),
    'description': channel.findtext('description'),
}
items = []
for item in channel.findall('item'):
    items.append({
        'guid': item.findtext('guid'),
        'duration': item.findtext(ITUNES + 'duration'),
        'transcripts': [{'url': t.get('url'), 'type': t.get('type')} for t in item.findall(PODCAST + 'transcript')],
        'chapters': [{'url': c.get('url'), 'type': c.get('type')} for c in item.findall(PODCAST + 'chapters')],
        'people': [{'role': p.get('role'), 'name': p.text} for p in item.findall(PODCAST + 'person')],
    })
live = []
for li in channel.findall(PODCAST + 'liveItem'):
    enc = li.find('enclosure')
    live.append({'status': li.get('status'), 'start': li.get('start'), 'title': li.findtext('title'), 'guid': li.findtext('guid'),
                 'stream': enc.get('url') if enc is not None else None, 'type': enc.get('type') if enc is not None else None})

episodes = [{
    'title': e['title'], 'guid': e['guid'], 'total_time': e['total_time'], 'published': e['published'],
    'link': e['link'], 'description': e['description'],
    'enclosures': [{'url': x['url'], 'file_size': x['file_size'], 'mime_type': x['mime_type']} for x in e['enclosures']],
} for e in parsed.get('episodes', [])]
print(json.dumps({
    'title': parsed.get('title'), 'cover_url': parsed.get('cover_url'), 'episodes': episodes,
    'required': required, 'items': items, 'live': live,
}))
