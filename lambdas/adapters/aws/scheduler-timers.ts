import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { Scheduler, TimerRequest } from '../../ports/scheduler';

export interface EventBridgeSchedulerOptions {
  /** The stage's schedule group (so two stages never share schedule names). */
  groupName: string;
  /** The GovernanceTimer function every schedule invokes. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
  /** Where undeliverable invocations go. */
  deadLetterArn?: string;
}

/** `at()` takes a UTC wall-clock time without zone or milliseconds. */
const atExpression = (date: Date) => `at(${date.toISOString().slice(0, 19)})`;

/** Scheduler refuses times in the past; a due (or nearly due) timer fires shortly instead. */
const MIN_LEAD_MS = 30_000;

/**
 * Timers as one-time EventBridge Scheduler schedules that delete themselves after firing. Scheduling an existing
 * id updates it in place.
 */
export class EventBridgeScheduler implements Scheduler {
  constructor(
    private readonly options: EventBridgeSchedulerOptions,
    private readonly client: SchedulerClient = new SchedulerClient({}),
    private readonly clock: Clock = systemClock,
  ) {}

  async schedule(timer: TimerRequest): Promise<void> {
    const earliest = this.clock.now().getTime() + MIN_LEAD_MS;
    const due = new Date(Math.max(timer.dueAt.getTime(), earliest));
    const input: CreateScheduleCommandInput = {
      Name: timer.timerId,
      GroupName: this.options.groupName,
      ScheduleExpression: atExpression(due),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: this.options.targetArn,
        RoleArn: this.options.roleArn,
        Input: JSON.stringify({ timerId: timer.timerId, ...timer.payload }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        ...(this.options.deadLetterArn ? { DeadLetterConfig: { Arn: this.options.deadLetterArn } } : {}),
      },
    };
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async cancel(timerId: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: timerId, GroupName: this.options.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
