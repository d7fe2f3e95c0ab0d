/**
 * A very small translator for the listener page (whose bundle must stay small for large
 * audiences): nested catalogues, `{{name}}` interpolation and `_one`/`_other` plurals chosen by
 * Intl.PluralRules, the same conventions as the Studio's i18next catalogues.
 */
export type LiteCatalogue = { [key: string]: string | LiteCatalogue };

export function pickLocale<L extends string>(available: readonly L[], wanted: readonly string[], fallback: L): L {
  for (const tag of wanted) {
    const base = tag.toLowerCase().split('-')[0] as L;
    if (available.includes(base)) return base;
  }
  return fallback;
}

export function createTranslator(catalogue: LiteCatalogue, fallback: LiteCatalogue, locale: string) {
  const plural = new Intl.PluralRules(locale);
  const lookup = (cat: LiteCatalogue, key: string): string | undefined => {
    let node: string | LiteCatalogue | undefined = cat;
    for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
    return typeof node === 'string' ? node : undefined;
  };
  return (key: string, vars: Record<string, string | number> = {}): string => {
    const k = typeof vars.count === 'number' ? `${key}_${plural.select(vars.count) === 'one' ? 'one' : 'other'}` : key;
    const text = lookup(catalogue, k) ?? lookup(catalogue, key) ?? lookup(fallback, k) ?? lookup(fallback, key) ?? key;
    return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(vars[name] ?? ''));
  };
}
