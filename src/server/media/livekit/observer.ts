import { Room, RoomEvent, TrackKind, type RemoteAudioTrack } from '@livekit/rtc-node';

/**
 * The Space server's own participant in one LiveKit room (`@livekit/rtc-node`): hidden, publishes
 * nothing. It reports LiveKit's active speakers (the speaking indicators) and stays connected,
 * reconnecting with a fresh token if LiveKit drops it.
 */
export class RoomObserver {
  private room?: Room;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly token: () => Promise<string>,
    private readonly onSpeakers: (identities: Set<string>) => void,
    /** A speaker's audio track arrived (`track`) or went (`null`): the program mix follows. */
    private readonly onTrack: (sid: string, track: RemoteAudioTrack | null, identity: string) => void = () => undefined,
    /** A (re)connect failed (the room may be gone); it keeps retrying. */
    private readonly onFail: () => void = () => undefined,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const room = new Room();
    this.room = room;
    room.on(RoomEvent.ActiveSpeakersChanged, (speakers) => this.onSpeakers(new Set(speakers.map((p) => p.identity))));
    room.on(RoomEvent.TrackSubscribed, (track, pub, participant) => {
      if (track.kind === TrackKind.KIND_AUDIO) this.onTrack(pub.sid ?? track.sid ?? '', track as RemoteAudioTrack, participant.identity);
    });
    room.on(RoomEvent.TrackUnsubscribed, (track, pub, participant) => this.onTrack(pub.sid ?? track.sid ?? '', null, participant.identity));
    room.on(RoomEvent.Disconnected, () => {
      if (this.room !== room || this.closed) return;
      this.onSpeakers(new Set());
      this.retry = setTimeout(() => void this.connect(), 500);
    });
    try {
      // LiveKit reports as speaking only the participants one is subscribed to: subscribe to all.
      await room.connect(this.url, await this.token(), { autoSubscribe: true, dynacast: false });
      if (this.closed) await room.disconnect();
    } catch {
      if (this.room === room && !this.closed) {
        this.onFail();
        this.retry = setTimeout(() => void this.connect(), 500);
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    void this.room?.disconnect().catch(() => undefined);
  }
}
