import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTranslator } from '../shared/i18nLite.js';
import { en, it as italian } from './i18n.js';

const keys = (obj: object, prefix = ''): string[] =>
  Object.entries(obj).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`)));

describe('listener page catalogues', () => {
  it('English and Italian have the same keys', () => {
    expect(keys(italian).sort()).toEqual(keys(en).sort());
  });

  it('every key the page uses (scripts and data-i18n attributes) exists', () => {
    const known = new Set(keys(en));
    const used: string[] = [];
    for (const file of ['main.ts', 'captions.ts', 'schedule.ts', 'embed.ts']) {
      const text = readFileSync(join(import.meta.dirname, file), 'utf8');
      for (const m of text.matchAll(/\b(?:t|tr)\('([a-zA-Z.]+)'/g)) used.push(m[1]!);
      for (const m of text.matchAll(/\bt\(`([a-zA-Z]+)\.\$\{/g)) used.push(...keys(en).filter((k) => k.startsWith(`${m[1]}.`)).slice(0, 1));
    }
    const html = readFileSync(join(import.meta.dirname, 'index.html'), 'utf8');
    for (const m of html.matchAll(/data-i18n(?:-label)?="([a-zA-Z.]+)"/g)) used.push(m[1]!);
    expect(used.filter((k) => !known.has(k))).toEqual([]);
    expect(used.length).toBeGreaterThan(40);
  });

  it('interpolates and falls back to English', () => {
    const t = createTranslator(italian, en, 'it');
    expect(t('signedInAs', { handle: 'ada' })).toBe('Accesso come @ada');
    expect(createTranslator({}, en, 'it')('listen')).toBe('Listen');
  });
});
