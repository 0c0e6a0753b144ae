import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { runHttpAction } from '../../governance/runbooks/http-step-executor';
import type { RenderedAction, RunbookExecutor, StepRunResult } from '../../ports/runbook-executor';

/**
 * Programs a sandboxed command may start: file housekeeping and inspection. No shells or interpreters (they would
 * run anything), nothing that reaches the network.
 */
const DEFAULT_PROGRAMS = [
  'ls',
  'cat',
  'find',
  'rm',
  'mkdir',
  'touch',
  'echo',
  'du',
  'df',
  'cp',
  'mv',
  'test',
  'true',
  'false',
];

/**
 * The local runbook executor: HTTP calls really go to local targets, commands really run (argv, no shell
 * interpolation) inside a sandbox directory with a scrubbed environment, and AWS-only steps (SSM Automation,
 * Lambda) run their declared `local` stand-in, or fail with a clear reason when they have none.
 */
export class LocalRunbookExecutor implements RunbookExecutor {
  readonly name = 'local';
  readonly sandbox: string;

  constructor(
    sandbox: string,
    private readonly programs: readonly string[] = DEFAULT_PROGRAMS,
  ) {
    this.sandbox = resolve(sandbox);
    mkdirSync(this.sandbox, { recursive: true });
  }

  async run(action: RenderedAction, options: { timeoutMs: number }): Promise<StepRunResult> {
    switch (action.kind) {
      case 'http':
        return runHttpAction(action, options.timeoutMs);
      case 'command':
        return this.command(action.argv, options.timeoutMs);
      case 'ssmAutomation':
      case 'lambda':
        if (action.local) return this.run(action.local, options);
        return {
          ok: false,
          output: '',
          error: `${action.kind} step has no 'local' stand-in, so it cannot run on this machine`,
          durationMs: 0,
        };
    }
  }

  /** Paths in arguments must stay inside the sandbox. */
  private escapes(argument: string): boolean {
    if (!isAbsolute(argument) && !argument.split(/[\\/]/).includes('..')) return false;
    const rel = relative(this.sandbox, resolve(this.sandbox, argument));
    return rel.startsWith('..') || isAbsolute(rel);
  }

  private command(argv: string[], timeoutMs: number): Promise<StepRunResult> {
    const started = Date.now();
    const [program, ...args] = argv;
    if (!program || !this.programs.includes(program)) {
      return Promise.resolve({
        ok: false,
        output: '',
        error: `program '${program}' is not allowed in the sandbox`,
        durationMs: 0,
      });
    }
    // `find -exec` would start any program, past the allowlist.
    if (program === 'find' && args.some((a) => /^-(exec|execdir|ok|okdir|fprint.*|fls)$/.test(a))) {
      return Promise.resolve({
        ok: false,
        output: '',
        error: 'find may not start or write other programs/files here',
        durationMs: 0,
      });
    }
    const escaping = args.find((a) => this.escapes(a));
    if (escaping) {
      return Promise.resolve({
        ok: false,
        output: '',
        error: `argument '${escaping}' leaves the sandbox`,
        durationMs: 0,
      });
    }
    return new Promise((done) => {
      const child = spawn(program, args, {
        cwd: this.sandbox,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.sandbox, LUMOS_SANDBOX: this.sandbox },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: timeoutMs,
      });
      let output = '';
      const collect = (chunk: Buffer) => {
        if (output.length < 8192) output += chunk.toString('utf8');
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', (error) => done({ ok: false, output, error: error.message, durationMs: Date.now() - started }));
      child.on('close', (code, signal) =>
        done({
          ok: code === 0,
          status: code ?? String(signal),
          output: output.slice(0, 8192),
          ...(code === 0 ? {} : { error: signal ? `killed by ${signal}` : `exit code ${code}` }),
          durationMs: Date.now() - started,
        }),
      );
    });
  }
}
