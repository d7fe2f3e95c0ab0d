import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homeEn, homeIt, homeTranslator } from './homeText.js';

const keys = (obj: object): string[] => Object.keys(obj).sort();
const base = (k: string): string => k.replace(/_(one|other)$/, '');

describe('home pages catalogues', () => {
  it('English and Italian have the same keys', () => {
    expect(keys(homeIt)).toEqual(keys(homeEn));
  });

  it('every key the server pages and their script use exists', () => {
    const known = new Set(Object.keys(homeEn).map(base));
    const used: string[] = [];
    for (const file of ['../server/home/render.ts', '../server/home/handlers.ts', '../listener/home.ts']) {
      const text = readFileSync(join(import.meta.dirname, file), 'utf8');
      for (const m of text.matchAll(/\bt\('([a-zA-Z]+)'/g)) used.push(m[1]!);
    }
    expect(used.filter((k) => !known.has(k))).toEqual([]);
    expect(used.length).toBeGreaterThan(30);
  });

  it('plurals and interpolation in both languages', () => {
    expect(homeTranslator('en')('followers', { count: 1 })).toBe('1 follower');
    expect(homeTranslator('en')('followers', { count: 2 })).toBe('2 followers');
    expect(homeTranslator('it')('listeners', { count: 3 })).toBe('3 in ascolto');
    expect(homeTranslator('it')('resultsFor', { q: 'radio' })).toBe('Risultati per «radio»');
  });
});
