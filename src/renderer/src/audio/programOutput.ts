import { i18next } from '../i18n';
import type { ConsoleEngine } from './consoleEngine';
import { Sentence } from '../errors';

/**
 * The program (broadcast + stage mix) played to an output device: the Studio's virtual
 * "Spaces Studio Program" sink, whose monitor a DAW/OBS/Audacity records. Its own small graph
 * tapping the console: broadcast bus + stage stream -> MediaStreamDestination -> <audio> + setSinkId.
 */
export class ProgramOutput {
  private readonly out: MediaStreamAudioDestinationNode;
  private readonly el: HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
  private stage: MediaStreamAudioSourceNode | null = null;
  private sinkId: string | null = null;

  constructor(private readonly engine: ConsoleEngine) {
    this.out = engine.ctx.createMediaStreamDestination();
    this.out.channelCount = 2;
    engine.broadcast.connect(this.out);
    this.el = new Audio();
    this.el.autoplay = true;
  }

  /** Plays the program to this output device (null: stop playing it anywhere). */
  async setSink(deviceId: string | null): Promise<void> {
    if (deviceId === this.sinkId) return;
    this.sinkId = deviceId;
    if (!deviceId) {
      this.el.pause();
      this.el.srcObject = null;
      return;
    }
    if (!this.el.setSinkId) throw new Sentence(i18next.t('errors.noSetSinkId'));
    await this.el.setSinkId(deviceId);
    this.el.srcObject = this.out.stream;
    await this.engine.resume();
    await this.el.play();
  }

  /** The stage mix (everyone on stage but us), as it comes back from the stage link. */
  setStage(stream: MediaStream | null): void {
    this.stage?.disconnect();
    this.stage = stream ? this.engine.ctx.createMediaStreamSource(stream) : null;
    this.stage?.connect(this.out);
  }

  get playing(): boolean {
    return this.sinkId !== null && !this.el.paused;
  }

  close(): void {
    this.stage?.disconnect();
    try {
      this.engine.broadcast.disconnect(this.out);
    } catch {
      /* the context is closed */
    }
    this.el.pause();
    this.el.srcObject = null;
  }
}
