/**
 * Registers the log source: CloudWatch Logs Insights over `LUMOS_LOG_GROUPS` (JSON: service -> log groups, `*`
 * fallback with `{service}`).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogsInsightsSource } from '../../adapters/aws/cloudwatch-logs-insights';
import { registerFactories } from '../dependencies';

registerFactories({
  logs: () =>
    new CloudWatchLogsInsightsSource({
      client: new CloudWatchLogsClient({}),
      logGroups: JSON.parse(process.env.LUMOS_LOG_GROUPS ?? '{}') as Record<string, string[]>,
    }),
});
