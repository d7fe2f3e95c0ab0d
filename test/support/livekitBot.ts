import { AudioFrame, AudioSource, LocalAudioTrack, Room, RoomEvent, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import type { MediaGrant } from '../../src/shared/mediaEngine.js';
import type { Pcm } from './audio.js';

/**
 * A LiveKit client outside the browser (@livekit/rtc-node, LiveKit's Rust SDK): it connects with a
 * grant the Space server gave, and can keep sending speech whatever the server says (the
 * misbehaving client the enforcement tests need).
 */
export class LiveKitBot {
  readonly room = new Room();
  private source?: AudioSource;
  private pumping = false;
  disconnected = false;

  constructor(readonly grant: MediaGrant) {
    this.room.on(RoomEvent.Disconnected, () => (this.disconnected = true));
  }

  async connect(): Promise<void> {
    await this.room.connect(this.grant.url, this.grant.token, { autoSubscribe: false, dynacast: false });
  }

  /** Publishes a microphone track; resolves 'published' or 'refused: <why>'. */
  async publish(): Promise<string> {
    this.source ??= new AudioSource(48_000, 1);
    const track = LocalAudioTrack.createAudioTrack('mic', this.source);
    return this.room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE })).then(
      () => 'published',
      (err: Error) => `refused: ${err.message}`,
    );
  }

  /** Feeds the speech into the source in real time, looped, until `stop()` (whether or not anything is published). */
  send(pcm: Pcm): void {
    this.source ??= new AudioSource(48_000, 1);
    const source = this.source;
    this.pumping = true;
    const frame = 480;
    void (async () => {
      for (let i = 0; this.pumping; i = (i + frame) % (pcm.samples.length - frame)) {
        const data = new Int16Array(frame);
        for (let k = 0; k < frame; k++) data[k] = Math.max(-32768, Math.min(32767, Math.round(pcm.samples[i + k]! * 32767)));
        await source.captureFrame(new AudioFrame(data, 48_000, 1, frame)).catch(() => undefined);
      }
    })();
  }

  async close(): Promise<void> {
    this.pumping = false;
    await this.room.disconnect().catch(() => undefined);
    await this.source?.close().catch(() => undefined);
  }
}
