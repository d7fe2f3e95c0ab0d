import type { SignalingClient } from '../shared/signalingClient.js';
import type { CaptionSegment } from '../shared/transcript.js';
import { t } from './i18n.js';

const PREF_KEY = 'spaces.captions';

/**
 * Live captions on the listener page: the host's Studio transcribes the Space and the server fans
 * the segments out; the page shows the last final lines and the current partial one. On/off
 * toggle, remembered on this device.
 */
export function mountCaptions(root: HTMLElement, client: SignalingClient, spaceId: string): void {
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.id = 'captions-toggle';
  toggle.className = 'secondary';
  const box = document.createElement('div');
  box.id = 'captions';
  box.className = 'captions';
  box.setAttribute('aria-live', 'polite');
  box.setAttribute('aria-label', t('captions'));
  // Honest about what they are: machine transcription, not a human captioner.
  const label = document.createElement('p');
  label.id = 'captions-label';
  label.className = 'captions-label';
  label.textContent = t('captionsAuto');
  root.append(toggle, label, box);

  // Off until the listener turns them on (and remembered on this device).
  let on = localStorage.getItem(PREF_KEY) === 'on';
  const lines: CaptionSegment[] = [];
  let partial: CaptionSegment | null = null;

  const line = (s: CaptionSegment, cls: string): HTMLElement => {
    const p = document.createElement('p');
    p.className = cls;
    p.dataset.segmentId = s.id;
    if (s.speakerName) {
      const who = document.createElement('strong');
      who.textContent = `${s.speakerName}: `;
      p.append(who);
    }
    p.append(document.createTextNode(s.text));
    return p;
  };
  const render = (): void => {
    toggle.textContent = on ? t('captionsOn') : t('captionsOff');
    toggle.setAttribute('aria-pressed', String(on));
    box.hidden = !on;
    box.replaceChildren(...lines.map((s) => line(s, 'caption final')), ...(partial ? [line(partial, 'caption partial')] : []));
  };
  toggle.addEventListener('click', () => {
    on = !on;
    localStorage.setItem(PREF_KEY, on ? 'on' : 'off');
    render();
  });
  client.onEvent((e) => {
    if (e.type !== 'caption.segment' || e.spaceId !== spaceId) return;
    const s = e.segment;
    if (s.engine) label.textContent = t('captionsBy', { engine: s.engine });
    if (s.final) {
      if (partial?.id === s.id) partial = null;
      if (s.text) {
        lines.push(s);
        if (lines.length > 3) lines.shift();
      }
    } else partial = s;
    render();
  });
  render();
}
