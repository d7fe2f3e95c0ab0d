import type Database from 'better-sqlite3';

/** Host credentials for Spaces created from this Studio, kept so a restart can resume hosting. */
export class HostedSpaces {
  constructor(private readonly db: Database.Database) {}

  save(serverUrl: string, spaceId: string, hostToken: string): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO hosted_spaces (server_url, space_id, host_token, created_at) VALUES (?, ?, ?, ?)`)
      .run(serverUrl, spaceId, hostToken, Date.now());
  }

  token(serverUrl: string, spaceId: string): string | undefined {
    const row = this.db.prepare(`SELECT host_token FROM hosted_spaces WHERE server_url = ? AND space_id = ?`).get(serverUrl, spaceId) as
      | { host_token: string }
      | undefined;
    return row?.host_token;
  }
}
