import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
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
}

const FILE_NAME = 'executions.json';
const SAVE_DELAY_MS = 50;

/**
 * Keeps execution records in one JSON file under a directory. Saves are coalesced (at most one write per
 * {@link SAVE_DELAY_MS}) and atomic (write a temp file, then rename), so a crash leaves the last complete snapshot.
 */
export class ExecutionStore {
  private readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private snapshot: () => readonly ExecutionRecord[] = () => [];

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.file = join(directory, FILE_NAME);
  }

  /** Reads the saved records; a missing file means none. */
  load(): ExecutionRecord[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = JSON.parse(text) as { executions?: ExecutionRecord[] };
    return parsed.executions ?? [];
  }

  /** Sets where the records to save come from. */
  source(snapshot: () => readonly ExecutionRecord[]): void {
    this.snapshot = snapshot;
  }

  /** Asks for a save soon. */
  scheduleSave(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, SAVE_DELAY_MS);
  }

  /** Writes the current records now (after any write in progress) and resolves once they are on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const body = JSON.stringify({ version: 1, executions: this.snapshot() });
    const temp = `${this.file}.${process.pid}.tmp`;
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await writeFile(temp, body);
        await rename(temp, this.file);
      });
    return this.writing;
  }
}
