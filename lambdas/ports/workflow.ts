/** Starts and resumes incident workflows (Step Functions in AWS and locally). */
export interface Workflow {
  /**
   * Starts the incident workflow under a deterministic execution name. Starting the same name again with the same
   * input returns the existing execution instead of a second one.
   */
  start(name: string, input: Record<string, unknown>): Promise<{ executionArn: string; alreadyStarted: boolean }>;
  /** Completes a waiting callback task. */
  sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  sendTaskHeartbeat(taskToken: string): Promise<void>;
}
