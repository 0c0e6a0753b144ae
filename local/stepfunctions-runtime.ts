import { readFileSync } from 'node:fs';
import type { LocalFunction } from './functions';
import { crashHookFromEnv } from './stepfunctions/crash-hook';
import { StepFunctionsEngine } from './stepfunctions/engine';
import { startStepFunctionsServer } from './stepfunctions/server';
import type { ExecutionControl } from './workflow-reconciliation';

export interface LocalStepFunctions {
  engine: StepFunctionsEngine;
  stateMachineArn: string;
  port: number;
  /** The engine as start-up reconciliation sees it. */
  executions: ExecutionControl;
  stop(): Promise<void>;
}

/**
 * The local Step Functions service for the runtime: the real ASL file with local ARNs substituted, Lambda tasks
 * resolved to the catalogue's handler modules, served over the AWS JSON protocol. Executions are durable under
 * `dataDir`: those that were running when the process stopped resume before the endpoint answers.
 */
export async function startLocalStepFunctions(options: {
  port: number;
  dataDir: string;
  stateMachineName: string;
  definitionPath: string;
  substitutions: Record<string, string>;
  functions: Map<string, LocalFunction>;
}): Promise<LocalStepFunctions> {
  const byArn = new Map([...options.functions.values()].map((fn) => [fn.arn, fn]));
  const engine = new StepFunctionsEngine({
    dataDirectory: options.dataDir,
    // Test-only fault injection (LUMOS_CRASH_AT, only with LUMOS_ALLOW_CRASH_HOOK=1); absent otherwise.
    onTransition: crashHookFromEnv(),
    resolveFunction: (functionArn) => {
      const fn = byArn.get(functionArn);
      if (!fn) throw new Error(`no local function ${functionArn}`);
      return (payload) => fn.invoke(payload);
    },
  });
  const { stateMachineArn } = engine.registerStateMachine({
    name: options.stateMachineName,
    definition: readFileSync(options.definitionPath, 'utf8'),
    substitutions: options.substitutions,
  });
  // Callback tokens of resumed executions must be valid before anyone can send them (approval links, timers).
  await engine.resumed();
  const server = await startStepFunctionsServer({ port: options.port, engine });
  return {
    engine,
    stateMachineArn,
    port: server.port,
    executions: {
      describe: (executionArn) => {
        try {
          const { status, error } = engine.describeExecution(executionArn);
          return { status, ...(error !== undefined ? { error } : {}) };
        } catch {
          return undefined;
        }
      },
      redrive: async (executionArn) => void (await engine.redriveExecution(executionArn)),
      start: (name, input) => engine.startExecution({ stateMachineArn, name, input: JSON.stringify(input) }),
      arnOf: (name) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
    },
    async stop() {
      await server.close();
      await engine.close();
    },
  };
}
