import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Dependencies } from '../../runtime/dependencies';
import { DynamoDbAuditTrail } from '../aws/dynamodb-audit-trail';
import { EnvApprovalLinkKeys } from './env-approval-link-keys';
import { ExportingAuditTrail, FileAuditExport } from './file-audit-export';
import { LocalRunbookExecutor } from './local-runbook-executor';
import { DynamoDbTimerTable, type FireTimer } from './timer-table';

export const LOCAL_AUDIT_TABLE = 'lumos-audit';
export const LOCAL_TIMER_TABLE = 'lumos-timers';

export interface LocalGovernance {
  /** Ports to hand to `provideDependencies`. */
  dependencies: Pick<Dependencies, 'audit' | 'auditExport' | 'scheduler' | 'runbookExecutor' | 'approvalLinkKeys'>;
  timers: DynamoDbTimerTable;
  /** Starts firing due timers (call once the functions are loaded). */
  startTimers(fire: FireTimer): Promise<void>;
  stopTimers(): Promise<void>;
}

/**
 * The governance ports on one machine: the audit trail in its own DynamoDB Local table with a folder as its
 * write-once export, timers in a persisted DynamoDB Local table, runbooks against local targets and a sandbox
 * folder, approval-link keys from the environment. All state lives under LUMOS_HOME.
 */
export async function createLocalGovernance(options: {
  dynamodbEndpoint: string;
  home: string;
  /** Creates the audit table as the stack defines it. */
  ensureAuditTable: (client: DynamoDBClient, tableName: string) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}): Promise<LocalGovernance> {
  const env = options.env ?? process.env;
  const client = new DynamoDBClient({ endpoint: options.dynamodbEndpoint });
  await options.ensureAuditTable(client, LOCAL_AUDIT_TABLE);
  const timers = new DynamoDbTimerTable(client, LOCAL_TIMER_TABLE);
  await timers.ensureTable();
  const auditExport = new FileAuditExport(join(options.home, 'audit-export'));
  const pollMs = Number(env.LUMOS_TIMER_POLL_MS ?? '') || 500;
  return {
    dependencies: {
      // One process writes the local trail, so each append links to the head it wrote last without reading it.
      audit: new ExportingAuditTrail(
        new DynamoDbAuditTrail(LOCAL_AUDIT_TABLE, client, undefined, { rememberHeads: true }),
        auditExport,
      ),
      auditExport,
      scheduler: timers,
      runbookExecutor: new LocalRunbookExecutor(env.LUMOS_RUNBOOK_SANDBOX ?? join(options.home, 'sandbox')),
      approvalLinkKeys: new EnvApprovalLinkKeys(env),
    },
    timers,
    startTimers: (fire) => timers.start(fire, pollMs),
    stopTimers: () => timers.stop(),
  };
}
