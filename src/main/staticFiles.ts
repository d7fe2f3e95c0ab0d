import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Loads a built web app (the Studio renderer in browser mode) once: a fixed map
 * of files, so no request path ever reaches the disk.
 */
export function loadStatic(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set('/' + relative(root, full).split('\\').join('/'), readFileSync(full));
    }
  };
  try {
    walk(root);
  } catch {
    // not built: the bridge answers 503 with a hint
  }
  return files;
}
