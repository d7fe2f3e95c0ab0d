import { describe, expect, it } from 'vitest';
import { openServerDb, SERVER_MIGRATIONS } from './database.js';

describe('the server database', () => {
  it('is made of the features\' schemas, in versions 1..n', () => {
    const db = openServerDb(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(SERVER_MIGRATIONS.length);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual([
      'accounts', 'analytics_reactions', 'analytics_salts', 'analytics_sessions', 'analytics_talk', 'clips', 'follows', 'outbox',
      'podcast_chapters', 'podcast_episodes', 'push_subscriptions', 'reach_marks', 'reach_prefs', 'recording_segments', 'recording_tombstones', 'recordings', 'reminders',
      'schedule_ops', 'schedules', 'sessions', 'space_members', 'space_removals', 'spaces', 'ticket_codes', 'tickets', 'transcript_segments',
    ]);
    db.close();
  });
});
