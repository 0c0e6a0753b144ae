/** One runbook step or check, with every `{{parameter}}` already filled in. */
export type RenderedAction =
  | {
      kind: 'http';
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      url: string;
      headers: Record<string, string>;
      body?: unknown;
    }
  | {
      kind: 'ssmAutomation';
      documentName: string;
      parameters: Record<string, string[]>;
      /** What the local executor runs instead (SSM Automation does not exist on one machine). */
      local?: RenderedAction;
    }
  | { kind: 'lambda'; functionName: string; payload: unknown; local?: RenderedAction }
  /** A command (argv, no shell) run in the executor's sandbox directory; local only. */
  | { kind: 'command'; argv: string[] };

export interface StepRunResult {
  ok: boolean;
  /** HTTP status, process exit code, or SSM/Lambda status. */
  status?: number | string;
  /** Response body, output or execution id, truncated. */
  output: string;
  /** Parsed JSON body where there is one (for `expect.json` checks). */
  json?: unknown;
  error?: string;
  durationMs: number;
}

/** Carries out rendered runbook actions: SSM Automation, Lambda and HTTP in AWS; local targets on one machine. */
export interface RunbookExecutor {
  readonly name: string;
  run(action: RenderedAction, options: { timeoutMs: number }): Promise<StepRunResult>;
}
