import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

/** Coalesces the many small changes of a running execution into a few writes. */
const SAVE_DELAY_MS = 200;

/**
 * Keeps each execution record in its own JSON file (`<directory>/executions/<machine>.<name>.json`), so a save
 * costs the size of one execution, not of all of them. Writes are coalesced per {@link SAVE_DELAY_MS} and atomic
 * (temp file, then rename), so a crash leaves the last complete version of every record.
 */
export class ExecutionStore {
  private readonly folder: string;
  private readonly dirty = new Map<string, ExecutionRecord>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(readonly directory: string) {
    this.folder = join(directory, 'executions');
    mkdirSync(this.folder, { recursive: true });
  }

  /** Reads every saved record, oldest start first. */
  load(): ExecutionRecord[] {
    return readdirSync(this.folder)
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(join(this.folder, file), 'utf8')) as ExecutionRecord)
      .sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate));
  }

  /** Marks a record changed; it is written shortly. */
  save(record: ExecutionRecord): void {
    this.dirty.set(record.executionArn, record);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      // A background save has no caller to fail; a full disk must not crash the local runtime, only be reported.
      this.flush().catch((error: unknown) =>
        process.emitWarning(`could not save Step Functions execution records: ${String(error)}`),
      );
    }, SAVE_DELAY_MS);
  }

  /** Writes every changed record now (after any write in progress); resolves once they are on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = [...this.dirty.values()].map((record) => ({
      file: this.fileFor(record),
      body: JSON.stringify(record),
    }));
    this.dirty.clear();
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        for (const { file, body } of batch) {
          const temp = `${file}.${process.pid}-${++this.writes}.tmp`;
          await writeFile(temp, body);
          await rename(temp, file);
        }
      });
    return this.writing;
  }

  private fileFor(record: ExecutionRecord): string {
    const machine = record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1);
    return join(this.folder, `${encodeURIComponent(machine)}.${encodeURIComponent(record.name)}.json`);
  }
}
