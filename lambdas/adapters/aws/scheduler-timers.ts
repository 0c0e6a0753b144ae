import type { CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { Scheduler, TimerRequest } from '../../ports/scheduler';
import { type LazyClient, lazyClient } from './lazy-client';

const schedulerSdk = () => import('@aws-sdk/client-scheduler');

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
  private readonly client: LazyClient<SchedulerClient>;

  /** Without `client`, the Scheduler client package is loaded when a timer is first set or cancelled. */
  constructor(
    private readonly options: EventBridgeSchedulerOptions,
    client?: SchedulerClient,
    private readonly clock: Clock = systemClock,
  ) {
    this.client = lazyClient(client, async () => new (await schedulerSdk()).SchedulerClient({}));
  }

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
    const [{ ConflictException, CreateScheduleCommand, UpdateScheduleCommand }, client] = await Promise.all([
      schedulerSdk(),
      this.client(),
    ]);
    try {
      await client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await client.send(new UpdateScheduleCommand(input));
    }
  }

  async cancel(timerId: string): Promise<void> {
    const [{ DeleteScheduleCommand, ResourceNotFoundException }, client] = await Promise.all([
      schedulerSdk(),
      this.client(),
    ]);
    try {
      await client.send(new DeleteScheduleCommand({ Name: timerId, GroupName: this.options.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
