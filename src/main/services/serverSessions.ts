import type Database from 'better-sqlite3';

/**
 * Session tokens per Space server, kept in the main process only (the renderer never sees one),
 * so the Studio signs in again by itself after a restart.
 */
export class ServerSessions {
  constructor(private readonly db: Database.Database) {}

  save(serverUrl: string, token: string, expiresAt: number): void {
    this.db.prepare(`INSERT OR REPLACE INTO server_sessions (server_url, token, expires_at) VALUES (?, ?, ?)`).run(serverUrl, token, expiresAt);
  }

  token(serverUrl: string, now = Date.now()): string | undefined {
    const row = this.db.prepare(`SELECT token, expires_at FROM server_sessions WHERE server_url = ?`).get(serverUrl) as { token: string; expires_at: number } | undefined;
    return row && row.expires_at > now ? row.token : undefined;
  }

  forget(serverUrl: string): void {
    this.db.prepare(`DELETE FROM server_sessions WHERE server_url = ?`).run(serverUrl);
  }
}
