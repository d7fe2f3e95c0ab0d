import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Opens a better-sqlite3 database (WAL) and brings it to the latest schema: migration i makes
 * schema version i + 1 (PRAGMA user_version), each in its own transaction. A database from a
 * newer version is refused rather than written to. Node-only; shared by the Studio's and the
 * server's databases.
 */
export function openMigratedDb(
  file: string,
  opts: { migrations: readonly string[]; label: string; synchronous: 'NORMAL' | 'FULL'; foreignKeys?: boolean },
): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous}`);
  if (opts.foreignKeys) db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > opts.migrations.length) {
    db.close();
    throw new Error(`the ${opts.label} database is from a newer version (schema ${version})`);
  }
  for (let v = version; v < opts.migrations.length; v++) {
    db.transaction(() => {
      db.exec(opts.migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

/** One feature's share of a database's migrations: schema version -> the SQL that makes it. */
export type Schema = Readonly<Record<number, string>>;

/**
 * The migrations of a database shared by several features, each owning its tables: version v runs
 * the features' SQL for v in the order given. Versions must run 1..n with no gap.
 */
export function composeMigrations(...schemas: Schema[]): string[] {
  const versions = schemas.flatMap((s) => Object.keys(s).map(Number));
  const last = Math.max(0, ...versions);
  return Array.from({ length: last }, (_, i) => {
    const parts = schemas.map((s) => s[i + 1]).filter((sql): sql is string => sql !== undefined);
    if (!parts.length) throw new Error(`schema version ${i + 1} has no migration`);
    return parts.join('\n');
  });
}
