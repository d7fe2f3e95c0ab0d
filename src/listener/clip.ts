import type { ClipPublic } from '../shared/recording.js';
import { playHls } from './hlsPlayer.js';
import { reportPlays } from './listenReport.js';

/** The page of a clip, /c/<id>: up to 30 s of a Space's recording, played from the same HLS segments. */
const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const clipId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const audio = $<HTMLAudioElement>('audio');
const play = $<HTMLButtonElement>('play');

async function main(): Promise<void> {
  const res = await fetch(`/api/clips/${encodeURIComponent(clipId)}`);
  if (!res.ok) {
    $('title').textContent = 'This clip does not exist';
    return;
  }
  const { clip } = (await res.json()) as { clip: ClipPublic };
  document.title = `Clip · ${clip.spaceTitle}`;
  $('title').textContent = clip.spaceTitle;
  $('meta').textContent = `${Math.round(clip.durationMs / 1000)} s clip saved by ${clip.createdBy}`;
  $<HTMLAnchorElement>('space-link').href = `/s/${clip.spaceId}`;
  const url = `/c/${clipId}/clip.m3u8`;
  // The playlist starts at the segment holding the clip's start; EXT-X-START says where in it.
  const text = await (await fetch(url)).text();
  const startS = Number(/#EXT-X-START:TIME-OFFSET=([0-9.]+)/.exec(text)?.[1] ?? 0);
  const endS = startS + clip.durationMs / 1000;
  await playHls(audio, url, { live: false, startAtS: startS });
  reportPlays(clip.spaceId, 'clip', audio);
  play.disabled = false;
  play.addEventListener('click', () => {
    if (!audio.paused) return audio.pause();
    if (audio.currentTime >= endS || audio.currentTime < startS) audio.currentTime = startS;
    void audio.play();
  });
  audio.addEventListener('play', () => (play.textContent = 'Pause'));
  audio.addEventListener('pause', () => (play.textContent = 'Play clip'));
  audio.addEventListener('timeupdate', () => {
    if (audio.currentTime >= endS) audio.pause();
  });
}
void main().catch((err: Error) => ($('notice').textContent = err.message));
