import type { EventEmitter } from 'node:events';
import type { MediaEngine, MediaGrant } from '../../shared/mediaEngine.js';

/**
 * The one interface between the Space service and media (issue 11). A Space's stage is one
 * AudioBridge room on one media node; its audience is spread over Streaming mountpoints on as
 * many nodes as hold its listeners, each fed by an RTP forward of the stage mix. The Space service
 * never sees Janus: it opens and closes stages, joins speakers, places listeners, and reacts to
 * typed events. `JanusMediaPool` implements it with real Janus nodes; `FakeMediaPort` (unit tests).
 *
 * A Space is named here by its `key`: the Space row's numeric `seq` (also the Janus room id).
 */
export interface MediaPort extends EventEmitter<MediaEvents> {
  /** Makes sure the stage exists somewhere (idempotent). Rejects with `media_unavailable` when no node is up. */
  openStage(key: number): Promise<void>;
  /** Ends the stage, its forwards, taps and mountpoints on every node. */
  closeStage(key: number): Promise<void>;
  /** A speaker joins the stage with their SDP offer. */
  joinStage(key: number, display: string, offer: string, muted: boolean): Promise<{ answer: string; peer: StagePeer }>;
  /**
   * Places one listener on the least-loaded node under its cap (creating that node's mountpoint
   * for the Space and the forward to it if needed); resolves with Janus' offer.
   */
  listen(key: number): Promise<{ offer: string; peer: ListenPeer }>;
  /**
   * Sends a copy of the stage mix (plain RTP, `tapFormat`) to `host:port` for as long
   * as the stage exists, re-created wherever the stage goes (recording, issue 12).
   */
  addTap(key: number, tap: ProgramTap): Promise<void>;
  removeTap(key: number, tapId: string): Promise<void>;
  /**
   * Per-participant recording of the stage (AudioBridge `mjrs`) into `dir` on the stage node's
   * filesystem, or off with `null`; re-applied wherever the stage goes (multitrack, issue 13).
   * Only a node that shares the server's filesystem (the server's own Janus) can do this.
   */
  setParticipantRecording(key: number, dir: string | null): Promise<void>;
  /** For operators, benchmarks and tests: each node's state and load. */
  nodes(): NodeStatus[];
  /**
   * The engine (issue 20). Absent or `janus`: clients negotiate SDP through the server
   * (`joinStage`, `listen`). `livekit`: clients connect to the media server themselves with a
   * grant from `stageGrant` / `listenGrant`, and `joinStage` / `listen` are refused.
   */
  readonly engine?: MediaEngine;
  /** What a program tap carries: RTP Opus, payload type 111 (absent: Janus), or RTP L16 mono 48 kHz, payload type 96 (LiveKit's mix). */
  readonly tapFormat?: 'opus' | 'l16';
  /** A grant to publish on the stage (LiveKit): the peer stands for that connection, as with `joinStage`. */
  stageGrant?(key: number, display: string, muted: boolean): Promise<{ grant: MediaGrant; peer: StagePeer }>;
  /** A grant to listen (LiveKit): subscribe only, hidden. */
  listenGrant?(key: number): Promise<{ grant: MediaGrant; peer: ListenPeer }>;
}

export interface MediaEvents {
  /** A stage participant started or stopped talking. */
  talk: [TalkEvent];
  /**
   * Peers whose media died with their node (an edge killed, Janus restarted). Their clients must
   * negotiate again; listeners on other nodes are not affected.
   */
  lost: [PeersLost];
  /** The stage of a Space was (re)created after a node loss: taps restart, gaps may follow. */
  stageReset: [{ key: number; node: string }];
  /** A node came up or went down. */
  node: [NodeStatus];
  /**
   * Someone joined the stage: their media-server participant id and display name (per-speaker
   * recordings are named by that id, issue 13).
   */
  participant: [{ key: number; id: number; display: string }];
}

export interface TalkEvent {
  key: number;
  peer: StagePeer;
  speaking: boolean;
}

export interface PeersLost {
  key: number;
  peers: (StagePeer | ListenPeer)[];
  reason: string;
}

export interface ProgramTap {
  /** Unique per stage; used to remove it. */
  id: string;
  host: string;
  port: number;
}

/** One speaker's connection to the stage. */
export interface StagePeer {
  readonly kind: 'stage';
  readonly node: string;
  /** Server-enforced mute: the media server drops their audio from the mix. */
  setMuted(muted: boolean): Promise<void>;
  close(): Promise<void>;
}

/** One listener's connection to a mountpoint. */
export interface ListenPeer {
  readonly kind: 'listen';
  readonly node: string;
  /** Completes the negotiation with the client's SDP answer. */
  answer(sdp: string): Promise<void>;
  close(): Promise<void>;
}

export interface NodeStatus {
  /** Stable name: `local` for the server's own Janus, else the configured URL. */
  id: string;
  up: boolean;
  /** Listeners placed on this node now (all Spaces). */
  listeners: number;
  /** Most listeners this node takes before placement goes elsewhere. */
  cap: number;
  /** Stages (AudioBridge rooms) this node holds. */
  stages: number;
}
