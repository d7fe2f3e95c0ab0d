import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ShellContent {
  lang: string;
  title: string;
  /** Extra <head> tags (Open Graph, Twitter Card, alternate links). */
  head?: string;
  /** The page's body (server-rendered, already escaped). */
  body: string;
}

/**
 * The server-rendered pages' frame: the built `home.html` of the listener app (so these pages load
 * the same stylesheet as the listener page, content-hashed by Vite, and the small script that keeps
 * them current), with the language, title, head tags and body filled in.
 */
export class ShellPage {
  private readonly template: string | null;

  constructor(private readonly dist: string) {
    const f = join(dist, 'home.html');
    this.template = existsSync(f) ? readFileSync(f, 'utf8') : null;
  }

  render(c: ShellContent): string {
    const t =
      this.template ??
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Spaces</title><!--head--></head><body><!--body--><p>(the listener app is not built: run npm run build)</p></body></html>';
    return t
      .replace('<html lang="en">', `<html lang="${c.lang}">`)
      .replace(/<title>[^<]*<\/title>/, `<title>${esc(c.title)}</title>`)
      .replace('<!--head-->', c.head ?? '')
      .replace('<!--body-->', c.body);
  }

  /** A file of the built listener app (e.g. the service worker), or null. */
  file(name: string): Buffer | null {
    const f = join(this.dist, name);
    return existsSync(f) ? readFileSync(f) : null;
  }
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
