import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { SpeechEngineName } from '../../../shared/transcript.js';

/** A recognition result: `final` ends an utterance; partials replace each other until then. */
export interface EngineResult {
  text: string;
  final: boolean;
}

export interface EngineEvents {
  result: [EngineResult];
  /** The engine stopped without being asked to (crash, kill): the host restarts it. */
  crash: [reason: string];
}

/**
 * One speech engine, fed 16 kHz mono s16le PCM. Runs outside the UI's thread (a child process or
 * a native worker) so recognition never stalls the console, and a crash cannot take the broadcast down.
 */
export interface SpeechEngine extends EventEmitter<EngineEvents> {
  readonly name: SpeechEngineName;
  /** The OS process doing the recognition, when it is a separate process. */
  readonly pid: number | undefined;
  /** Resolves once the engine accepts audio; rejects with an AppError saying what is missing. */
  start(): Promise<void>;
  /** Returns false when the engine is not running (the chunk is dropped). */
  write(pcm: Buffer): boolean;
  /**
   * End of the audio: the engine recognizes what it still holds, reports the utterance in
   * progress as a final result, and exits. Resolves once it has (killed after `timeoutMs`).
   */
  finish(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** What the engines that run recognition in a child process share: feeding it, and stopping it. */
export abstract class ProcessEngine extends EventEmitter<EngineEvents> {
  protected child?: ChildProcess;
  protected stopping = false;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  write(pcm: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.stopping) return false;
    stdin.write(pcm);
    return true;
  }

  /**
   * Closes the engine's stdin: both engines treat the end of input as the end of the utterance
   * (pocketsphinx at GStreamer's EOS, the sherpa child on `end`), send the final result and exit.
   */
  async finish(timeoutMs: number): Promise<void> {
    const child = this.child;
    this.stopping = true;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 2 s. */
  async stop(): Promise<void> {
    const child = this.child;
    this.stopping = true;
    if (!child) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
