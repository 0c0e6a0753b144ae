/**
 * `tsx bin/audit.ts verify <incidentId>`: checks an incident's audit trail and reports every edited, removed or
 * reordered record. Exit code 0 = intact, 1 = tampered, 2 = usage or access error.
 *
 * Options (or environment):
 *   --table <name>        audit table (AUDIT_TABLE_NAME; locally lumos-audit)
 *   --export-dir <dir>    local write-once export (default: $LUMOS_HOME/audit-export, else .lumos/audit-export)
 *   --export-bucket <b>   S3 Object Lock export in AWS (AUDIT_EXPORT_BUCKET)
 *   --json                print the verification as JSON
 * DynamoDB is addressed the SDK's usual way: AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local
 * (`npm start` prints its endpoint).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3AuditExport } from '../lambdas/adapters/aws/dynamodb-audit-s3-export';
import { DynamoDbAuditTrail } from '../lambdas/adapters/aws/dynamodb-audit-trail';
import { FileAuditExport } from '../lambdas/adapters/local/file-audit-export';
import { verifyChain } from '../lambdas/governance/audit/audit-chain';
import type { AuditExport } from '../lambdas/ports/audit';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, incidentId, ...rest] = argv;
  if (command !== 'verify' || !incidentId || incidentId.startsWith('--')) {
    process.stderr.write(
      'usage: tsx bin/audit.ts verify <incidentId> [--table name] [--export-dir dir | --export-bucket bucket] [--json]\n',
    );
    return 2;
  }
  const table = option(rest, '--table') ?? process.env.AUDIT_TABLE_NAME ?? 'lumos-audit';
  const bucket = option(rest, '--export-bucket') ?? process.env.AUDIT_EXPORT_BUCKET;
  const localDir = option(rest, '--export-dir') ?? join(resolve(process.env.LUMOS_HOME ?? '.lumos'), 'audit-export');
  const exporter: AuditExport | undefined = bucket
    ? new S3AuditExport(bucket)
    : existsSync(localDir)
      ? new FileAuditExport(localDir)
      : undefined;
  process.env.AWS_REGION ??= 'us-east-1';
  const trail = new DynamoDbAuditTrail(table, new DynamoDBClient({}));
  const [records, exported] = await Promise.all([trail.list(incidentId), exporter?.list(incidentId) ?? []]);
  const result = verifyChain(incidentId, records, exported);
  if (rest.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${result.ok ? 'OK' : 'TAMPERED'}: ${incidentId}: ${result.records} record(s), ${result.comparedWithExport} compared with the write-once export${
        result.head ? `, head #${result.head.seq} ${result.head.hash.slice(0, 16)}…` : ''
      }\n`,
    );
    for (const problem of result.problems)
      process.stdout.write(`  #${problem.seq} ${problem.kind}: ${problem.message}\n`);
    if (records.length === 0) process.stdout.write('  (no records: unknown incident, or nothing audited yet)\n');
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
