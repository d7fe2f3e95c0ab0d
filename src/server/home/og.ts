import { Resvg } from '@resvg/resvg-js';
import { formatDateTime } from '../../shared/intl.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface Preview {
  title: string;
  /** Shown as "Hosted by <name> (@handle)". */
  hostName: string;
  hostHandle: string;
  status: 'live' | 'scheduled' | 'ended' | 'clip' | 'host';
  /** Start time (scheduled) or when it started (live). */
  startsAt?: number | null;
  timeZone?: string;
  url: string;
  image: string;
  description?: string;
}

const STATUS_TEXT: Record<Preview['status'], string> = { live: 'LIVE', scheduled: 'Scheduled', ended: 'Ended · replay', clip: 'Clip', host: 'Host' };

export function previewDescription(p: Preview): string {
  if (p.description) return p.description;
  const when = p.startsAt ? ` · ${p.status === 'scheduled' ? 'starts' : 'started'} ${formatDateTime(p.startsAt, 'en', p.timeZone ?? 'UTC')} (${p.timeZone ?? 'UTC'})` : '';
  return `${STATUS_TEXT[p.status]} · Hosted by ${p.hostName} (@${p.hostHandle})${when}`;
}

/** Open Graph and Twitter Card tags, for crawlers that run no JavaScript. */
export function previewTags(p: Preview): string {
  const d = previewDescription(p);
  const tags: [string, string, string][] = [
    ['name', 'description', d],
    ['property', 'og:site_name', 'Spaces'],
    ['property', 'og:type', p.status === 'host' ? 'profile' : 'website'],
    ['property', 'og:title', p.title],
    ['property', 'og:description', d],
    ['property', 'og:url', p.url],
    ['property', 'og:image', p.image],
    ['property', 'og:image:type', 'image/png'],
    ['property', 'og:image:width', '1200'],
    ['property', 'og:image:height', '630'],
    ['property', 'og:image:alt', `${p.title}: ${STATUS_TEXT[p.status]}, hosted by ${p.hostName}`],
    ['name', 'twitter:card', 'summary_large_image'],
    ['name', 'twitter:title', p.title],
    ['name', 'twitter:description', d],
    ['name', 'twitter:image', p.image],
    ['name', 'spaces:host', `@${p.hostHandle}`],
    ['name', 'spaces:status', p.status],
  ];
  if (p.status === 'host') tags.push(['property', 'profile:username', p.hostHandle]);
  if (p.startsAt) tags.push(['name', 'spaces:starts', new Date(p.startsAt).toISOString()]);
  return tags.map(([k, n, v]) => `<meta ${k}="${n}" content="${esc(v)}">`).join('') + `<link rel="canonical" href="${esc(p.url)}">`;
}

/** Breaks a title into at most `max` lines of about `width` characters. */
function lines(text: string, width: number, max: number): string[] {
  const out: string[] = [];
  let line = '';
  // Words longer than a line are cut into line-sized pieces.
  const words = text.split(/\s+/).flatMap((w) => w.match(new RegExp(`.{1,${width}}`, 'gu')) ?? []);
  for (const word of words) {
    if ((line + ' ' + word).trim().length > width && line) {
      out.push(line);
      line = word;
    } else line = (line + ' ' + word).trim();
  }
  if (line) out.push(line);
  if (out.length > max) {
    out.length = max;
    out[max - 1] = `${out[max - 1]!.slice(0, width - 1)}…`;
  }
  return out;
}

/** The preview card (1200x630): an SVG drawn by resvg into a PNG, in the listener page's colours. */
export function previewCard(p: Preview): Buffer {
  const title = lines(p.title, 28, 3);
  const badge = STATUS_TEXT[p.status];
  const badgeColour = p.status === 'live' ? '#c8102e' : '#38444d';
  const when = p.startsAt ? `${p.status === 'scheduled' ? 'Starts' : 'Started'} ${formatDateTime(p.startsAt, 'en', p.timeZone ?? 'UTC')} (${p.timeZone ?? 'UTC'})` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630">
  <rect width="1200" height="630" fill="#15202b"/>
  <rect x="60" y="60" width="1080" height="510" rx="40" fill="#1e2732"/>
  <rect x="110" y="110" width="${badge.length * 22 + 60}" height="56" rx="28" fill="${badgeColour}"/>
  <text x="140" y="148" font-family="DejaVu Sans, sans-serif" font-size="30" font-weight="bold" fill="#ffffff">${esc(badge)}</text>
  ${title.map((l, i) => `<text x="110" y="${255 + i * 78}" font-family="DejaVu Sans, sans-serif" font-size="64" font-weight="bold" fill="#e7e9ea">${esc(l)}</text>`).join('\n  ')}
  <text x="110" y="${275 + title.length * 78}" font-family="DejaVu Sans, sans-serif" font-size="34" fill="#8b98a5">Hosted by ${esc(p.hostName)} (@${esc(p.hostHandle)})</text>
  ${when ? `<text x="110" y="${325 + title.length * 78}" font-family="DejaVu Sans, sans-serif" font-size="30" fill="#8b98a5">${esc(when)}</text>` : ''}
  <text x="1090" y="530" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-size="30" font-weight="bold" fill="#1d9bf0">Spaces</text>
</svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
