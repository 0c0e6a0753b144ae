import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryEventRecord } from './history';

/** Execution statuses, as DescribeExecution reports them. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Everything the service knows about one execution; dates are ISO text so the record is plain JSON. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** The input exactly as JSON text. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
  history: HistoryEventRecord[];
  /** Every callback token issued to this execution; kept so they answer TaskTimedOut after a restart. */
  taskTokens: string[];
  /** How often the execution was redriven (RedriveExecution) after it had stopped. */
  redriveCount?: number;
}

/** One journal line: a record's fields (history aside) and the history events appended since the last line. */
interface JournalEntry {
  readonly file: string;
  readonly fields: Omit<ExecutionRecord, 'history'>;
  /** Events appended since the record's previous line (ones a snapshot already holds are skipped on load). */
  readonly events: HistoryEventRecord[];
}

const JOURNAL = 'journal.log';
/** Above this size the journal is folded into the per-execution snapshots. */
const COMPACT_AT_BYTES = 8 * 1024 * 1024;

/**
 * Durable storage of execution records: a write-ahead journal plus one snapshot file per execution.
 *
 * Every change is appended to `<directory>/executions/journal.log` as one JSON line (the record's fields and the
 * history events added since its previous line). Changes made in the same turn of the event loop share one write
 * and one `fdatasync` (group commit), so a busy engine does not pay one disk flush per event. {@link save} resolves
 * only once its change is on disk: the engine awaits it before StartExecution and SendTask* answer and before a
 * Task's function is invoked. When the journal grows large, at start and at close, it is folded into the snapshot
 * files `<machine>.<name>.json` (temp file, fsync, rename, fsync of the folder) and truncated. A crash can tear at
 * most the journal's last line, which was never acknowledged and is skipped on load.
 */
export class ExecutionStore {
  private readonly folder: string;
  private readonly journalPath: string;
  private readonly dirty = new Map<string, ExecutionRecord>();
  /** History length already in the journal or a snapshot, per execution. */
  private readonly persistedEvents = new Map<string, number>();
  /** Records changed since their snapshot was last written. */
  private readonly unsnapshotted = new Map<string, ExecutionRecord>();
  private nextBatch: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private writes = 0;

  constructor(readonly directory: string) {
    this.folder = join(directory, 'executions');
    this.journalPath = join(this.folder, JOURNAL);
    mkdirSync(this.folder, { recursive: true });
  }

  /**
   * Reads every record (snapshots, then the journal replayed over them), oldest start first, and folds the journal
   * into the snapshots so the next run starts from a clean journal.
   */
  load(): ExecutionRecord[] {
    const byArn = new Map<string, { file: string; record: ExecutionRecord }>();
    for (const file of readdirSync(this.folder)) {
      if (!file.endsWith('.json')) continue;
      const record = JSON.parse(readFileSync(join(this.folder, file), 'utf8')) as ExecutionRecord;
      byArn.set(record.executionArn, { file, record });
    }
    if (existsSync(this.journalPath)) {
      for (const line of readFileSync(this.journalPath, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line) as JournalEntry;
        } catch {
          // A torn last line: its write never completed, so nobody was told it was saved.
          continue;
        }
        const known = byArn.get(entry.fields.executionArn);
        const record: ExecutionRecord = { ...entry.fields, history: known?.record.history ?? [] };
        const lastId = record.history.at(-1)?.id ?? 0;
        record.history.push(...entry.events.filter((event) => event.id > lastId));
        byArn.set(record.executionArn, { file: entry.file, record });
        this.unsnapshotted.set(record.executionArn, record);
      }
    }
    for (const { record } of byArn.values()) this.persistedEvents.set(record.executionArn, record.history.length);
    this.compactSync();
    return [...byArn.values()]
      .map(({ record }) => record)
      .sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate));
  }

  /** Marks a record changed; resolves once that change is on disk (one shared write per event-loop turn). */
  save(record: ExecutionRecord): Promise<void> {
    this.dirty.set(record.executionArn, record);
    this.nextBatch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeBatch());
    return this.nextBatch;
  }

  /** Writes every pending change now; resolves once everything saved so far is on disk. */
  flush(): Promise<void> {
    if (this.dirty.size > 0) return this.writeBatch();
    return this.writing;
  }

  /** Flushes, folds the journal into the snapshots and closes the journal file. */
  async close(): Promise<void> {
    await this.flush();
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await this.journal?.close();
        this.journal = undefined;
        this.compactSync();
      });
    await this.writing;
  }

  /** Takes the pending changes as one journal write (captured now, so later changes go to the next batch). */
  private writeBatch(): Promise<void> {
    this.nextBatch = undefined;
    if (this.dirty.size === 0) return this.writing;
    const lines: string[] = [];
    for (const record of this.dirty.values()) {
      const from = this.persistedEvents.get(record.executionArn) ?? 0;
      const { history, ...fields } = record;
      const entry: JournalEntry = { file: this.fileFor(record), fields, events: history.slice(from) };
      lines.push(`${JSON.stringify(entry)}\n`);
      this.persistedEvents.set(record.executionArn, history.length);
      this.unsnapshotted.set(record.executionArn, record);
    }
    this.dirty.clear();
    const text = lines.join('');
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        this.journal ??= await open(this.journalPath, 'a');
        await this.journal.appendFile(text, 'utf8');
        await this.journal.datasync();
        this.journalBytes += Buffer.byteLength(text);
        if (this.journalBytes > COMPACT_AT_BYTES) {
          await this.journal.close();
          this.journal = undefined;
          this.compactSync();
        }
      });
    return this.writing;
  }

  /** Writes a snapshot of every record changed since its last one, then empties the journal. */
  private compactSync(): void {
    for (const record of this.unsnapshotted.values()) {
      const file = join(this.folder, this.fileFor(record));
      const temp = `${file}.${process.pid}-${++this.writes}.tmp`;
      const fd = openSync(temp, 'w');
      try {
        writeSync(fd, JSON.stringify(record));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, file);
    }
    this.unsnapshotted.clear();
    syncFolder(this.folder);
    if (existsSync(this.journalPath) && statSync(this.journalPath).size > 0) {
      // Only once every snapshot above is durable may the journal that produced them go.
      unlinkSync(this.journalPath);
      syncFolder(this.folder);
    }
    this.journalBytes = 0;
  }

  private fileFor(record: ExecutionRecord): string {
    const machine = record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1);
    return `${encodeURIComponent(machine)}.${encodeURIComponent(record.name)}.json`;
  }
}

/** A rename or unlink is durable only once the folder holding it is flushed. */
function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
