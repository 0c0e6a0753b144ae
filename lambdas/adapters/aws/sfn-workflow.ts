import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Workflow } from '../../ports/workflow';

/** The incident workflow on Step Functions (AWS, or the local endpoint via AWS_ENDPOINT_URL_SFN). */
export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: SFNClient = new SFNClient({}),
  ) {}

  async start(
    name: string,
    input: Record<string, unknown>,
  ): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    try {
      const started = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: started.executionArn ?? executionArn, alreadyStarted: false };
    } catch (error) {
      // Same name, other input: the delivery already started its execution; report it instead of a second one.
      if (error instanceof ExecutionAlreadyExists) {
        await this.client.send(new DescribeExecutionCommand({ executionArn }));
        return { executionArn, alreadyStarted: true };
      }
      throw error;
    }
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    await this.client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
  }

  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    await this.client.send(new SendTaskHeartbeatCommand({ taskToken }));
  }
}
