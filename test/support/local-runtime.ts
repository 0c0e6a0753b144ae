import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../drills/lumos-process';
import { stopOrphanedDynamoDbLocal } from '../../local/dynamodb-local';

const projectRoot = resolve(__dirname, '..', '..');

export { freePort } from '../../drills/lumos-process';

export interface LocalLumos {
  api: string;
  sfnEndpoint: string;
  home: string;
  /** The current `npm start` process (a new one after {@link LocalLumos.restart}). */
  readonly process: ChildProcess;
  output(): string;
  /** Stops the runtime (SIGTERM, then SIGKILL) and removes its LUMOS_HOME. */
  stop(): Promise<number | null>;
  /** SIGKILLs the runtime, as a crash would: nothing is cleaned up and LUMOS_HOME stays. */
  kill(): Promise<void>;
  /** Resolves once the current process has exited (a crash hook, a kill), with its exit code and signal. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Starts the runtime again on the same LUMOS_HOME and ports (after {@link LocalLumos.kill} or a crash), with the
   * first start's environment plus `env` (a value of '' removes a variable), and waits for `/health`.
   */
  restart(env?: Record<string, string>, timeoutMs?: number): Promise<void>;
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `npm start`'s entry point for real in a child process (its own ports and LUMOS_HOME) and waits for
 * `/health` to answer ok.
 */
export async function startLocalLumos(env: Record<string, string> = {}, timeoutMs = 90_000): Promise<LocalLumos> {
  const [port, sfnPort, dynamodbPort] = [await freePort(), await freePort(), await freePort()];
  const home = mkdtempSync(join(tmpdir(), 'lumos-e2e-'));
  const baseEnv: Record<string, string> = {
    LUMOS_PORT: String(port),
    LUMOS_SFN_PORT: String(sfnPort),
    LUMOS_DYNAMODB_PORT: String(dynamodbPort),
    LUMOS_HOME: home,
  };
  let output = '';
  const api = `http://127.0.0.1:${port}`;

  const spawnRuntime = async (runEnv: Record<string, string>, waitMs: number): Promise<Spawned> => {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${join(projectRoot, 'node_modules', '.bin')}:${process.env.PATH}`,
      ...runEnv,
    };
    for (const [key, value] of Object.entries(runEnv)) if (value === '') delete childEnv[key];
    const child = spawn(
      // Exactly `npm start`: one Node 22 process (no tsx wrapper relaying signals), so SIGTERM reaches its handler.
      join(projectRoot, 'node_modules', '.bin', 'node'),
      ['--require', './local/esm-only-packages.cjs', '--import', 'tsx', 'local/start.ts'],
      { cwd: projectRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
      child.once('exit', (code, signal) => resolveExit({ code, signal })),
    );
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`local runtime exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
      }
      try {
        const response = await fetch(`${api}/health`);
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`local runtime not healthy after ${waitMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return { child, exited };
  };

  const firstEnv = { ...baseEnv, ...env };
  let current = await spawnRuntime(firstEnv, timeoutMs);
  const running = () => current.child.exitCode === null && current.child.signalCode === null;
  return {
    api,
    sfnEndpoint: `http://127.0.0.1:${sfnPort}`,
    home,
    get process() {
      return current.child;
    },
    output: () => output,
    exited: () => current.exited,
    async kill() {
      if (running()) current.child.kill('SIGKILL');
      await current.exited;
    },
    async restart(more = {}, waitMs = timeoutMs) {
      if (running()) throw new Error('restart() needs the runtime stopped first (kill() or a crash)');
      current = await spawnRuntime({ ...firstEnv, ...more }, waitMs);
    },
    async stop() {
      if (running()) current.child.kill('SIGTERM');
      const timer = setTimeout(() => current.child.kill('SIGKILL'), 15_000);
      const { code } = await current.exited;
      clearTimeout(timer);
      // A runtime that died by SIGKILL could not stop its DynamoDB Local child.
      await stopOrphanedDynamoDbLocal(join(home, 'dynamodb'));
      rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

export const sign = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
