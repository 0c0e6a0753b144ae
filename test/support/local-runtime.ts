import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const projectRoot = resolve(__dirname, '..', '..');

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface LocalLumos {
  api: string;
  sfnEndpoint: string;
  home: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts `npm start`'s entry point for real in a child process (its own ports and LUMOS_HOME) and waits for
 * `/health` to answer ok.
 */
export async function startLocalLumos(env: Record<string, string> = {}, timeoutMs = 90_000): Promise<LocalLumos> {
  const [port, sfnPort, dynamodbPort] = [await freePort(), await freePort(), await freePort()];
  const home = mkdtempSync(join(tmpdir(), 'lumos-e2e-'));
  const child = spawn(
    // Exactly `npm start`: one Node 22 process (no tsx wrapper relaying signals), so SIGTERM reaches its handler.
    join(projectRoot, 'node_modules', '.bin', 'node'),
    ['--require', './local/esm-only-packages.cjs', '--import', 'tsx', 'local/start.ts'],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        PATH: `${join(projectRoot, 'node_modules', '.bin')}:${process.env.PATH}`,
        LUMOS_PORT: String(port),
        LUMOS_SFN_PORT: String(sfnPort),
        LUMOS_DYNAMODB_PORT: String(dynamodbPort),
        LUMOS_HOME: home,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const api = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`local runtime exited early (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${api}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local runtime not healthy after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    api,
    sfnEndpoint: `http://127.0.0.1:${sfnPort}`,
    home,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
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
