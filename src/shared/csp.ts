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

/**
 * Our policy with more sources the page may connect to: a LiveKit server's signaling (issue 20).
 * The listener page gets exactly the LiveKit origins its server runs; the Studio's renderer, which
 * may be pointed at any Space server, allows `ws:` and `wss:`.
 */
export function cspWithConnect(sources: readonly string[], meta = false): string {
  return DIRECTIVES.filter(([k]) => !meta || k !== 'frame-ancestors')
    .map(([k, v]) => `${k} ${k === 'connect-src' && sources.length ? `${v} ${sources.join(' ')}` : v}`)
    .join('; ');
}

/** The Studio renderer's policy (header and meta tag). */
export const STUDIO_CSP = cspWithConnect(['ws:', 'wss:']);
export const STUDIO_CSP_META = cspWithConnect(['ws:', 'wss:'], true);
