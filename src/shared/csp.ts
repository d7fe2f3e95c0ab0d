/**
 * The one Content-Security-Policy of our pages: the Studio's renderer (Electron header and meta
 * tag, browser mode) and the Space server's listener page. Everything from our own origin only;
 * media may also come from blobs and live streams, images from data URLs; no plugins, no framing,
 * no base or form targets.
 */
const DIRECTIVES: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['connect-src', "'self'"],
  ['media-src', "'self' blob: mediastream:"],
  ['img-src', "'self' data:"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

/** As an HTTP header. */
export const CSP = DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ');

/** For a `<meta http-equiv>` tag, where `frame-ancestors` is ignored (the header carries it). */
export const CSP_META = DIRECTIVES.filter(([k]) => k !== 'frame-ancestors')
  .map(([k, v]) => `${k} ${v}`)
  .join('; ');
