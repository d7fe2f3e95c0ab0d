import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { it as italian } from './it';
import { ErrorCode } from '../../../shared/errors';

/** Every leaf key of a catalogue, dotted (plural forms folded to their base key too). */
function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`)));
}

const ROOT = join(import.meta.dirname, '..');
function sources(dir = ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'i18n' ? [] : sources(p);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [p] : [];
  });
}

const enKeys = new Set(keys(en));
const itKeys = new Set(keys(italian));
const known = (key: string, set: Set<string>): boolean => set.has(key) || set.has(`${key}_one`) || set.has(`${key}_other`);

describe('UI catalogues', () => {
  it('English and Italian have exactly the same keys, none empty', () => {
    expect([...enKeys].filter((k) => !itKeys.has(k))).toEqual([]);
    expect([...itKeys].filter((k) => !enKeys.has(k))).toEqual([]);
    for (const [k, v] of [...keys(en).map((k) => [k, k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], en)]), ...keys(italian).map((k) => [k, k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], italian)])]) {
      expect(String(v).trim(), k as string).not.toBe('');
    }
  });

  it('every key the Studio uses is in both catalogues (literal keys and the prefixes of computed ones)', () => {
    const missing: string[] = [];
    for (const file of sources()) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:t|tr|i18next\.t)\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
        if (!known(m[1]!, enKeys) || !known(m[1]!, itKeys)) missing.push(`${relative(ROOT, file)}: ${m[1]}`);
      }
      for (const m of text.matchAll(/label: '([a-z]+\.[a-zA-Z]+)'/g)) if (!enKeys.has(m[1]!) || !itKeys.has(m[1]!)) missing.push(`${relative(ROOT, file)}: ${m[1]}`);
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z.]+)\.\$\{/g)) {
        const prefix = `${m[1]}.`;
        if (![...enKeys].some((k) => k.startsWith(prefix))) missing.push(`${relative(ROOT, file)}: ${prefix}*`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('no user-visible text is hard-coded in JSX (text children and aria-label/title/placeholder literals)', () => {
    const found: string[] = [];
    // Things that are not language: units, symbols, key names, formats, brand-neutral sample values.
    const UNITS = new Set(['dB', 'LUFS', 'kHz', 'ch', 'EC', 'NS', 'AGC', 'Esc', 'Alt', 'SHA']);
    const SAMPLES = new Set(['http://…/s/abc123defg', 'https://…/sherpa-onnx-streaming-zipformer-en-….tar.bz2']);
    const allowed = { test: (text: string): boolean => SAMPLES.has(text) || text.split(/[\s\d:·•…—–+\-−∞%()/.,@]+/).filter(Boolean).every((w) => UNITS.has(w)) };
    for (const file of sources().filter((f) => f.endsWith('.tsx'))) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
      const visit = (node: ts.Node): void => {
        if (ts.isJsxText(node)) {
          const text = node.getText().trim();
          if (text && /\p{L}/u.test(text) && !allowed.test(text)) found.push(`${relative(ROOT, file)}: "${text}"`);
        }
        if (ts.isJsxAttribute(node) && ['aria-label', 'title', 'placeholder', 'label', 'alt'].includes(node.name.getText()) && node.initializer && ts.isStringLiteral(node.initializer)) {
          const text = node.initializer.text;
          if (/\p{L}/u.test(text) && !allowed.test(text)) found.push(`${relative(ROOT, file)}: ${node.name.getText()}="${text}"`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(found).toEqual([]);
  });

  it('every typed error code has a sentence in both languages, and no error message is shown as it is (issue 18)', () => {
    for (const code of ErrorCode.options) {
      expect(enKeys.has(`errors.code.${code}`), code).toBe(true);
      expect(itKeys.has(`errors.code.${code}`), code).toBe(true);
    }
    expect(enKeys.has('errors.unexpected') && itKeys.has('errors.unexpected')).toBe(true);
    // A caught error's own message (English, technical, or a zod dump) never reaches the screen:
    // errorText() in errors.ts turns it into a catalogue sentence.
    const shown: string[] = [];
    for (const file of sources()) {
      if (file.endsWith('errors.ts')) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:err|e|error|reason|issue)\.message\b/g)) shown.push(`${relative(ROOT, file)}: ${m[0]}`);
    }
    expect(shown).toEqual([]);
  });
});
