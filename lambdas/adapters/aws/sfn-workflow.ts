import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Workflow } from '../../ports/workflow';
import { type LazyClient, lazyClient } from './lazy-client';

const sfn = () => import('@aws-sdk/client-sfn');

/** The incident workflow on Step Functions (AWS, or the local endpoint via AWS_ENDPOINT_URL_SFN). */
export class StepFunctionsWorkflow implements Workflow {
  private readonly client: LazyClient<SFNClient>;

  /**
   * Without `client`, the Step Functions client package is loaded on first use: most deliveries (duplicates,
   * correlated signals, refused ones) start no workflow.
   */
  constructor(
    private readonly stateMachineArn: string,
    client?: SFNClient,
  ) {
    this.client = lazyClient(client, async () => new (await sfn()).SFNClient({}));
  }

  async start(
    name: string,
    input: Record<string, unknown>,
  ): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const [{ DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand }, client] = await Promise.all([
      sfn(),
      this.client(),
    ]);
    try {
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: started.executionArn ?? executionArn, alreadyStarted: false };
    } catch (error) {
      // Same name, other input: the delivery already started its execution; report it instead of a second one.
      if (error instanceof ExecutionAlreadyExists) {
        await client.send(new DescribeExecutionCommand({ executionArn }));
        return { executionArn, alreadyStarted: true };
      }
      throw error;
    }
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    const [{ SendTaskSuccessCommand }, client] = await Promise.all([sfn(), this.client()]);
    await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    const [{ SendTaskFailureCommand }, client] = await Promise.all([sfn(), this.client()]);
    await client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
  }

  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    const [{ SendTaskHeartbeatCommand }, client] = await Promise.all([sfn(), this.client()]);
    await client.send(new SendTaskHeartbeatCommand({ taskToken }));
  }
}
