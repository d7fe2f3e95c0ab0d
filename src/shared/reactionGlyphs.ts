import type { REACTIONS } from './space.js';

type Reaction = (typeof REACTIONS)[number];

/**
 * Our own drawings of the reaction set (24x24, flat colours), so reactions render on machines
 * without an emoji font (headless Chromium, many Linux desktops). Plain shape data, drawn with
 * React in the Studio and with createElementNS on the listener page: no markup strings, no font.
 */
export type GlyphShape = { tag: 'path' | 'circle' | 'ellipse' | 'rect'; attrs: Record<string, string | number> };

const SKIN = '#ffcc4d';
const EDGE = '#c28a12';
const face = (): GlyphShape[] => [{ tag: 'circle', attrs: { cx: 12, cy: 12, r: 10, fill: SKIN, stroke: EDGE, 'stroke-width': 1 } }];
const hand = (x: number, tilt: number): GlyphShape => ({
  tag: 'path',
  attrs: { d: 'M-3 9 V-4 a1.2 1.2 0 0 1 2.4 0 V-6 a1.2 1.2 0 0 1 2.4 0 V-5 a1.2 1.2 0 0 1 2.4 0 V1 L5 -1 a1.2 1.2 0 0 1 1.6 1.8 L3 6 Q1.5 9 -1 9 Z', fill: SKIN, stroke: EDGE, 'stroke-width': 0.8, transform: `translate(${x} 11) rotate(${tilt})` },
});

export const REACTION_GLYPHS: Record<Reaction, GlyphShape[]> = {
  '💯': [
    { tag: 'path', attrs: { d: 'M3.5 6.5 L5.5 5 V14', fill: 'none', stroke: '#f4212e', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' } },
    { tag: 'ellipse', attrs: { cx: 11, cy: 9.5, rx: 2.6, ry: 4.3, fill: 'none', stroke: '#f4212e', 'stroke-width': 2 } },
    { tag: 'ellipse', attrs: { cx: 18, cy: 9.5, rx: 2.6, ry: 4.3, fill: 'none', stroke: '#f4212e', 'stroke-width': 2 } },
    { tag: 'path', attrs: { d: 'M3 17.5 H21 M5 20.5 H19', fill: 'none', stroke: '#f4212e', 'stroke-width': 1.8, 'stroke-linecap': 'round' } },
  ],
  '👏': [
    hand(10, -25),
    hand(14, 20),
    { tag: 'path', attrs: { d: 'M4 4 L5.5 6 M8 2 L8.5 4.5 M12.5 2.5 L11.5 4.8', fill: 'none', stroke: '#1d9bf0', 'stroke-width': 1.3, 'stroke-linecap': 'round' } },
  ],
  '😂': [
    ...face(),
    { tag: 'path', attrs: { d: 'M7 9.5 Q8.5 7.5 10 9.5 M14 9.5 Q15.5 7.5 17 9.5', fill: 'none', stroke: '#664500', 'stroke-width': 1.4, 'stroke-linecap': 'round' } },
    { tag: 'path', attrs: { d: 'M7 13 H17 Q16 18.5 12 18.5 Q8 18.5 7 13 Z', fill: '#664500' } },
    { tag: 'path', attrs: { d: 'M4.5 10 Q2 13 3.2 14.5 Q4.6 15.5 5.6 13 Z M19.5 10 Q22 13 20.8 14.5 Q19.4 15.5 18.4 13 Z', fill: '#5dadec' } },
  ],
  '❤️': [{ tag: 'path', attrs: { d: 'M12 21 C5 15.5 2 12.5 2 8.5 A4.8 4.8 0 0 1 12 6 A4.8 4.8 0 0 1 22 8.5 C22 12.5 19 15.5 12 21 Z', fill: '#f4212e' } }],
  '🙌': [
    hand(7.5, -10),
    { tag: 'path', attrs: { d: 'M3 9 V-4 a1.2 1.2 0 0 0 -2.4 0 V-6 a1.2 1.2 0 0 0 -2.4 0 V-5 a1.2 1.2 0 0 0 -2.4 0 V1 L-5 -1 a1.2 1.2 0 0 0 -1.6 1.8 L-3 6 Q-1.5 9 1 9 Z', fill: SKIN, stroke: EDGE, 'stroke-width': 0.8, transform: 'translate(16.5 11) rotate(10)' } },
    { tag: 'path', attrs: { d: 'M12 1.5 V3.5 M9 2.5 L9.8 4.2 M15 2.5 L14.2 4.2', fill: 'none', stroke: '#1d9bf0', 'stroke-width': 1.3, 'stroke-linecap': 'round' } },
  ],
  '😮': [
    ...face(),
    { tag: 'circle', attrs: { cx: 8.5, cy: 9.5, r: 1.4, fill: '#664500' } },
    { tag: 'circle', attrs: { cx: 15.5, cy: 9.5, r: 1.4, fill: '#664500' } },
    { tag: 'ellipse', attrs: { cx: 12, cy: 16, rx: 2.4, ry: 3, fill: '#664500' } },
  ],
  '👋': [
    hand(12, 25),
    { tag: 'path', attrs: { d: 'M3 8 Q2 11 3.5 14 M5.5 9 Q5 11 6 13 M20.5 14 Q21.5 17 19.5 19.5', fill: 'none', stroke: '#1d9bf0', 'stroke-width': 1.3, 'stroke-linecap': 'round' } },
  ],
};

/** Draws a reaction's glyph as an SVG element (for pages without React). */
export function reactionSvg(doc: Document, reaction: Reaction): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = doc.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'glyph');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const shape of REACTION_GLYPHS[reaction] ?? []) {
    const el = doc.createElementNS(NS, shape.tag);
    for (const [k, v] of Object.entries(shape.attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}
