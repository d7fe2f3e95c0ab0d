import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, with a real WAV file as its microphone. Local IPs are not hidden
 * behind mDNS names (Playwright gives every launch a fresh profile), so Janus sees plain host candidates inside the test's network namespace.
 */
export async function launchChromium(opts: { micWav?: string; loop?: boolean; env?: Record<string, string>; args?: string[]; executablePath?: string } = {}): Promise<Browser> {
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ];
  args.push(...(opts.args ?? []));
  if (opts.micWav) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${opts.micWav}${opts.loop === false ? '%noloop' : ''}`);
  }
  return chromium.launch({
    executablePath: opts.executablePath ?? CHROMIUM,
    args,
    // Playwright mutes audio by default, which turns every output into zeros.
    ignoreDefaultArgs: ['--mute-audio'],
    env: { ...process.env, ...opts.env } as Record<string, string>,
  });
}

/**
 * Records what an <audio> element is playing (its MediaStream), as 10 ms RMS windows at 48 kHz,
 * inside the page: this is the sound the user hears.
 */
export async function recordElementEnvelope(page: Page, selector: string, ms: number): Promise<number[]> {
  return page.evaluate(
    async ({ selector, ms }) => {
      const el = document.querySelector(selector) as HTMLAudioElement | null;
      const stream = el?.srcObject as MediaStream | null;
      if (!stream || stream.getAudioTracks().length === 0) {
        // Nothing playing: that is silence, one window per 10 ms.
        await new Promise((r) => setTimeout(r, ms));
        return Array.from({ length: Math.floor(ms / 10) }, () => 0);
      }
      const ctx = new AudioContext({ sampleRate: 48000 });
      const source = ctx.createMediaStreamSource(stream);
      const proc = ctx.createScriptProcessor(4096, 1, 1);
      const windows: number[] = [];
      let acc = 0;
      let count = 0;
      proc.onaudioprocess = (e) => {
        const x = e.inputBuffer.getChannelData(0);
        for (let i = 0; i < x.length; i++) {
          acc += x[i]! * x[i]!;
          if (++count === 480) {
            windows.push(Math.sqrt(acc / 480));
            acc = 0;
            count = 0;
          }
        }
      };
      const sink = ctx.createGain();
      sink.gain.value = 0;
      source.connect(proc).connect(sink).connect(ctx.destination);
      await new Promise((r) => setTimeout(r, ms));
      source.disconnect();
      proc.disconnect();
      await ctx.close();
      return windows;
    },
    { selector, ms },
  );
}
