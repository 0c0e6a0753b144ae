import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogsInsightsSource } from '../../adapters/aws/cloudwatch-logs-insights';
import type { LogSource } from '../../ports/logs';
import { definePort } from '../dependencies';

/** Logs of a service: CloudWatch Logs Insights over `LUMOS_LOG_GROUPS` (service -> groups, `*` fallback). */
export const logSource = definePort<LogSource>(
  'logs',
  { access: ['logsInsights'], env: ['LUMOS_LOG_GROUPS'] },
  () =>
    new CloudWatchLogsInsightsSource({
      client: new CloudWatchLogsClient({}),
      logGroups: JSON.parse(process.env.LUMOS_LOG_GROUPS ?? '{}') as Record<string, string[]>,
    }),
);
