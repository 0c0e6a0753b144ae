import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDbTopology } from '../lambdas/adapters/aws/dynamodb-topology';
import { mergeTopologyExports, parseTopologyExport } from '../lambdas/agents/dependency/topology-export';

const USAGE = `Loads a service graph into the incident table for the dependency agent.

Usage: tsx bin/load-topology.ts --table <IncidentTableName> --file <export.json> [--file <more.json>] [--dry-run]

Exports: Lumos topology JSON ({services, edges, changes}) or ServiceNow Table API dumps of cmdb_rel_ci, cmdb_ci*
and change_request, in any mix. The graph is replaced (components and edges no longer exported are removed);
changes are added. Uses the ordinary AWS credentials and region (AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { table: { type: 'string' }, file: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } },
  });
  if (!values.table || !values.file?.length) {
    console.error(USAGE);
    process.exit(2);
  }
  const parts = [];
  for (const file of values.file) parts.push(parseTopologyExport(JSON.parse(await readFile(file, 'utf8'))));
  const merged = mergeTopologyExports(parts);
  const summary = `${merged.topology.nodes.length} components, ${merged.topology.edges.length} dependencies, ${merged.changes.length} changes`;
  if (values['dry-run']) {
    console.log(`would load ${summary} into ${values.table}`);
    return;
  }
  const result = await new DynamoDbTopology({ tableName: values.table }).replaceWith(merged);
  console.log(`loaded ${summary} into ${values.table}: ${result.written} items written, ${result.deleted} removed`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
