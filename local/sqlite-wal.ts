import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface SqliteStatement {
  get(): Record<string, unknown> | undefined;
}
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}
type SqliteModule = { DatabaseSync: new (path: string) => SqliteDatabase };

/** Node's built-in SQLite (Node 22.13+), loaded without its one-time "experimental" warning; undefined if absent. */
function loadSqlite(): SqliteModule | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (!getBuiltin) return undefined;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/sqlite/i.test(text)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return getBuiltin('node:sqlite') as SqliteModule | undefined;
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Whether this Node has `node:sqlite`, which {@link useWriteAheadLog} needs. */
export const hasBuiltinSqlite = (): boolean => loadSqlite() !== undefined;

/**
 * Puts DynamoDB Local's SQLite files in `dataDir` in write-ahead-log mode. DynamoDB Local opens them in SQLite's
 * default rollback-journal mode, where every committed write creates, syncs and deletes a journal file; with a
 * write-ahead log a commit is one append and one sync. Durability is the same: a commit is on disk before
 * DynamoDB Local answers, and a log left by a killed process is replayed when the file is next opened. The mode is
 * stored in the file, so connections that are already open (a running DynamoDB Local) switch at their next
 * transaction. Best effort: a file that is busy, or a Node without `node:sqlite`, keeps its mode.
 * Returns the files now in write-ahead-log mode.
 */
export function useWriteAheadLog(dataDir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dataDir).filter((name) => name.endsWith('.db'));
  } catch {
    return [];
  }
  if (files.length === 0) return [];
  const sqlite = loadSqlite();
  if (!sqlite) return [];
  const switched: string[] = [];
  for (const file of files) {
    let db: SqliteDatabase | undefined;
    try {
      db = new sqlite.DatabaseSync(join(dataDir, file));
      db.exec('PRAGMA busy_timeout = 2000');
      const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
      if (mode === 'wal') switched.push(file);
    } catch {
      // Busy or unreadable: DynamoDB Local keeps working in its default mode.
    } finally {
      db?.close();
    }
  }
  return switched;
}
