import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import type { AccountPublic } from '../../shared/account.js';
import type { CaptionSegment } from '../../shared/transcript.js';
import { openServerDb } from '../database.js';
import { SpaceStore } from '../spaces/store.js';
import { FakeMediaPort } from '../media/fakeMedia.js';
import { SpaceService } from '../spaces/service.js';
import type { Notifier } from '../spaces/notifier.js';
import { newParticipant, type Participant } from '../spaces/participant.js';
import { CAPTION_GRACE_AFTER_END_MS, TranscriptService } from './service.js';

const quiet: Notifier = { toSpace: () => undefined, toParticipant: () => undefined, snapshot: () => undefined, subscribers: () => 0 };
const account = (id: string, handle: string): AccountPublic => ({ id, handle, displayName: handle, followerCount: 0, followingCount: 0 });
const seg = (id: string, text: string, final = true): CaptionSegment => ({ id, startMs: 0, endMs: 1000, text, final, speakerId: null, speakerName: null });

describe('TranscriptService: the last words of a Space', () => {
  let db: Database.Database;
  let spaces: SpaceService;
  let transcript: TranscriptService;
  let host: Participant;
  let stranger: Participant;
  let spaceId: string;
  let now = 1_000_000;

  beforeEach(async () => {
    db = openServerDb(':memory:');
    spaces = new SpaceService({
      store: new SpaceStore(db),
      media: new FakeMediaPort([{ id: 'local', cap: 10 }]),
      notifier: quiet,
      options: { hostGraceMs: 60_000, memberGraceMs: 30_000, reactionLimit: { count: 100, windowMs: 10_000 } },
    });
    transcript = new TranscriptService(db, spaces, () => now);
    spaces.events.on('ending', (id, staff) => transcript.ending(id, staff));
    for (const a of [account('host0001', 'hosty'), account('other001', 'other')]) {
      db.prepare(`INSERT INTO accounts (id, handle, display_name, password_hash, created_at) VALUES (?, ?, ?, 'x', 0)`).run(a.id, a.handle, a.displayName);
    }
    host = newParticipant();
    spaces.signedIn(host, account('host0001', 'hosty'), 'token');
    stranger = newParticipant();
    spaces.signedIn(stranger, account('other001', 'other'), 'token2');
    spaceId = spaces.create(account('host0001', 'hosty'), 'Talk').id;
    spaces.join(host, spaceId);
    await spaces.joinStage(host, spaceId, 'v=0 offer');
  });
  afterEach(() => {
    spaces.stop();
    db.close();
  });

  it("a final segment from the host arriving just after End is stored; not from others, not partials, not after the grace period", async () => {
    transcript.post(host, spaceId, seg('s1', 'before the end'));
    await spaces.end(host, spaceId);
    transcript.post(host, spaceId, seg('s2', 'the last words'));
    transcript.post(host, spaceId, seg('s3', 'a partial', false));
    expect(() => transcript.post(stranger, spaceId, seg('s4', 'not theirs'))).toThrow(/only the host and co-hosts/);
    now += CAPTION_GRACE_AFTER_END_MS + 1;
    expect(() => transcript.post(host, spaceId, seg('s5', 'too late'))).toThrow(/live Spaces/);
    expect(transcript.segments(spaceId).map((s) => s.text)).toEqual(['before the end', 'the last words']);
  });
});
