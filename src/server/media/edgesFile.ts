import { readFileSync, unwatchFile, watchFile } from 'node:fs';

/**
 * Calls `onChange` with the file's text now and whenever it changes (polled each second, which
 * also sees a file that is replaced or appears later): new media nodes join without a restart.
 * Returns a function that stops watching.
 */
export function watchEdgesFile(path: string, onChange: (text: string) => void): () => void {
  const read = (): void => {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      /* missing file = no extra nodes */
    }
    onChange(text);
  };
  read();
  watchFile(path, { interval: 1000 }, read);
  return () => unwatchFile(path, read);
}
