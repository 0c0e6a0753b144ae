import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { runHttpAction } from '../../governance/runbooks/http-step-executor';
import type { RenderedAction, RunbookExecutor, StepRunResult } from '../../ports/runbook-executor';
import { type LazyClient, lazyClient } from './lazy-client';

const ssmSdk = () => import('@aws-sdk/client-ssm');
const lambdaSdk = () => import('@aws-sdk/client-lambda');

const TERMINAL = new Set([
  'Success',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Rejected',
  'CompletedWithFailure',
  'CompletedWithSuccess',
]);

/** Where the stack's automation documents are and which role they run with. */
export interface AutomationTarget {
  /** Replaces `Lumos-` in a runbook's document name to give the deployed document's name (`Lumos-dev-`). */
  readonly documentPrefix: string;
  /** The role SSM Automation assumes (`AutomationAssumeRole`); the only one this function may pass. */
  readonly assumeRoleArn: string;
}

/**
 * The runbook executor in AWS: SSM Automation documents (started, then polled to a terminal status), Lambda
 * invocations (synchronous; a function error fails the step) and HTTP calls. Local-only commands are refused.
 */
export class AwsRunbookExecutor implements RunbookExecutor {
  readonly name = 'aws';
  private readonly ssm: LazyClient<SSMClient>;
  private readonly lambda: LazyClient<LambdaClient>;

  /** Without clients, each client package is loaded when the first step of its kind runs. */
  constructor(
    ssm?: SSMClient,
    lambda?: LambdaClient,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly target?: AutomationTarget,
  ) {
    this.ssm = lazyClient(ssm, async () => new (await ssmSdk()).SSMClient({}));
    this.lambda = lazyClient(lambda, async () => new (await lambdaSdk()).LambdaClient({}));
  }

  async run(action: RenderedAction, options: { timeoutMs: number }): Promise<StepRunResult> {
    const started = Date.now();
    try {
      switch (action.kind) {
        case 'http':
          return await runHttpAction(action, options.timeoutMs);
        case 'ssmAutomation':
          return await this.automation(action, options.timeoutMs, started);
        case 'lambda':
          return await this.invoke(action, started);
        case 'command':
          return {
            ok: false,
            output: '',
            error: 'command steps run only locally; use ssmAutomation in AWS',
            durationMs: 0,
          };
      }
    } catch (error) {
      return { ok: false, output: '', error: (error as Error).message, durationMs: Date.now() - started };
    }
  }

  private async automation(
    action: Extract<RenderedAction, { kind: 'ssmAutomation' }>,
    timeoutMs: number,
    started: number,
  ): Promise<StepRunResult> {
    const [{ GetAutomationExecutionCommand, StartAutomationExecutionCommand }, ssm] = await Promise.all([
      ssmSdk(),
      this.ssm(),
    ]);
    const { AutomationExecutionId: id } = await ssm.send(
      new StartAutomationExecutionCommand({
        DocumentName: this.target
          ? action.documentName.replace(/^Lumos-/, this.target.documentPrefix)
          : action.documentName,
        Parameters: this.target
          ? { ...action.parameters, AutomationAssumeRole: [this.target.assumeRoleArn] }
          : action.parameters,
      }),
    );
    if (!id) return { ok: false, output: '', error: 'SSM returned no execution id', durationMs: Date.now() - started };
    for (;;) {
      const { AutomationExecution: execution } = await ssm.send(
        new GetAutomationExecutionCommand({ AutomationExecutionId: id }),
      );
      const status = execution?.AutomationExecutionStatus ?? 'Pending';
      if (TERMINAL.has(status)) {
        const ok = status === 'Success' || status === 'CompletedWithSuccess';
        return {
          ok,
          status,
          output: JSON.stringify({ automationExecutionId: id, outputs: execution?.Outputs ?? {} }).slice(0, 8192),
          ...(ok ? {} : { error: execution?.FailureMessage ?? status }),
          durationMs: Date.now() - started,
        };
      }
      if (Date.now() - started > timeoutMs) {
        return {
          ok: false,
          status,
          output: id,
          error: `automation ${id} still ${status} after ${timeoutMs} ms`,
          durationMs: Date.now() - started,
        };
      }
      await this.sleep(2000);
    }
  }

  private async invoke(action: Extract<RenderedAction, { kind: 'lambda' }>, started: number): Promise<StepRunResult> {
    const [{ InvokeCommand }, lambda] = await Promise.all([lambdaSdk(), this.lambda()]);
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: action.functionName,
        Payload: new TextEncoder().encode(JSON.stringify(action.payload ?? {})),
      }),
    );
    const output = result.Payload ? new TextDecoder().decode(result.Payload).slice(0, 8192) : '';
    let json: unknown;
    try {
      json = JSON.parse(output);
    } catch {
      json = undefined;
    }
    const ok = !result.FunctionError && (result.StatusCode ?? 500) < 300;
    return {
      ok,
      status: result.StatusCode,
      output,
      ...(json !== undefined ? { json } : {}),
      ...(ok ? {} : { error: result.FunctionError ?? `status ${result.StatusCode}` }),
      durationMs: Date.now() - started,
    };
  }
}
