import { describe, expect, it } from 'vitest';
import { GlobalPadShortcuts, type ShortcutHost } from './globalShortcuts.js';

/** The shell's globalShortcut is the boundary here (no Electron binary on these machines): a fake host. */
function fakeHost(taken: string[] = []) {
  const active = new Map<string, () => void>();
  const host: ShortcutHost = {
    register: (acc, fn) => (taken.includes(acc) ? false : (active.set(acc, fn), true)),
    unregister: (acc) => void active.delete(acc),
  };
  return { host, active };
}

describe('GlobalPadShortcuts', () => {
  it('keeps exactly the requested keys registered and routes presses to the pad key', () => {
    const { host, active } = fakeHost();
    const pressed: string[] = [];
    const s = new GlobalPadShortcuts(host, (k) => pressed.push(k));
    expect(s.setGlobalPadKeys({ keys: ['1', 'a'] })).toEqual({ registered: ['1', 'a'], desktop: true, taken: [], reason: null });
    active.get('Alt+Shift+A')!();
    expect(pressed).toEqual(['a']);
    s.setGlobalPadKeys({ keys: ['a'] });
    expect([...active.keys()]).toEqual(['Alt+Shift+A']);
    s.dispose();
    expect(active.size).toBe(0);
  });

  it('says which keys another app holds, and why there are none in browser mode', () => {
    const { host } = fakeHost(['Alt+Shift+1']);
    expect(new GlobalPadShortcuts(host, () => undefined).setGlobalPadKeys({ keys: ['1', '2'] })).toEqual({
      registered: ['2'],
      desktop: true,
      taken: ['Alt+Shift+1'],
      reason: 'another application already uses Alt+Shift+1',
    });
    expect(new GlobalPadShortcuts(null, () => undefined).setGlobalPadKeys({ keys: ['1'] }).reason).toMatch(/desktop app/);
  });
});
