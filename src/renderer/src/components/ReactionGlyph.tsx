import { createElement } from 'react';
import { REACTION_GLYPHS } from '../../../shared/reactionGlyphs';
import type { REACTIONS } from '../../../shared/space';

type Reaction = (typeof REACTIONS)[number];

/** SVG attribute names as React spells them (stroke-width -> strokeWidth). */
const reactProps = (attrs: Record<string, string | number>): Record<string, string | number> =>
  Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]));

/** A reaction drawn from our own glyphs (no emoji font needed); the emoji itself stays in the text for screen readers and copy. */
export function ReactionGlyph({ reaction }: { reaction: Reaction }) {
  return (
    <>
      <svg className="glyph" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        {REACTION_GLYPHS[reaction].map((s, i) => createElement(s.tag, { key: i, ...reactProps(s.attrs) }))}
      </svg>
      <span className="visually-hidden">{reaction}</span>
    </>
  );
}
