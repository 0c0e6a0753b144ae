import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const projectRoot = resolve(__dirname, '..');

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

/** A local Lumos started as `npm start` does, in a child process with its own ports and LUMOS_HOME. */
export interface LumosProcess {
  api: string;
  sfnEndpoint: string;
  dynamodbEndpoint: string;
  home: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `local/start.ts` exactly as `npm start` does (the project's Node 22, one process so SIGTERM reaches its
 * handler) with the given environment, and waits until `/health` answers ok.
 */
export async function startLumosProcess(
  home: string,
  env: Record<string, string>,
  timeoutMs = 180_000,
): Promise<LumosProcess> {
  const [port, sfnPort, dynamodbPort] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
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
        // The drill harness runs the estate itself; the child must not start a second one.
        LUMOS_ESTATE: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const api = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Lumos exited during start-up (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${api}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Lumos not healthy after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    api,
    sfnEndpoint: `http://127.0.0.1:${sfnPort}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    home,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
