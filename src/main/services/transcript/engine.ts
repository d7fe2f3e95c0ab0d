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
  stop(): Promise<void>;
}
