import type { IpcParsedRequest, IpcResponse } from '../../shared/ipc.js';

/** What the desktop shell offers (Electron's globalShortcut); absent in browser mode. */
export interface ShortcutHost {
  register(accelerator: string, onPress: () => void): boolean;
  unregister(accelerator: string): void;
}

/**
 * Global pad shortcuts: Alt+Shift+<key> plays the pad with that hotkey even while another app
 * has focus. Keeps exactly the requested set registered; reports keys the OS refused.
 */
export class GlobalPadShortcuts {
  private registered = new Set<string>();

  constructor(
    private readonly host: ShortcutHost | null,
    private readonly onPress: (key: string) => void,
  ) {}

  setGlobalPadKeys({ keys }: IpcParsedRequest<'setGlobalPadKeys'>): IpcResponse<'setGlobalPadKeys'> {
    if (!this.host) return { registered: [], desktop: false, taken: [], reason: 'global shortcuts need the desktop app; in the browser, pad keys work while the Studio has focus' };
    const host = this.host;
    const wanted = new Set(keys);
    for (const key of this.registered) {
      if (!wanted.has(key)) {
        host.unregister(accelerator(key));
        this.registered.delete(key);
      }
    }
    const refused: string[] = [];
    for (const key of wanted) {
      if (this.registered.has(key)) continue;
      if (host.register(accelerator(key), () => this.onPress(key))) this.registered.add(key);
      else refused.push(key);
    }
    return {
      registered: [...this.registered].sort(),
      desktop: true,
      taken: refused.map((k) => accelerator(k)),
      reason: refused.length ? `another application already uses ${refused.map((k) => accelerator(k)).join(', ')}` : null,
    };
  }

  dispose(): void {
    for (const key of this.registered) this.host?.unregister(accelerator(key));
    this.registered.clear();
  }
}

export const accelerator = (key: string): string => `Alt+Shift+${key.toUpperCase()}`;
