import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEstateDefinition } from './definition';
import { startEstate } from './estate';
import { knowledgeArticles, teamsFile, topologyFile } from './generate';
import { formatLogEvent, logFileName } from './log-lines';

/**
 * `npx tsx estate/cli.ts run [--lumos URL] [--dir DIR] [--port N]`: runs the estate on its own (sending alerts to a
 * Lumos if given). `npx tsx estate/cli.ts fixtures`: regenerates the project's default demo data from
 * estate/estate.yaml (local/fixtures/topology.json, catalogue/teams.json, knowledge/services/*.md).
 */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      lumos: { type: 'string' },
      dir: { type: 'string', default: '.lumos/estate' },
      port: { type: 'string', default: '0' },
      secret: { type: 'string' },
    },
  });
  const root = resolve(__dirname, '..');
  const command = positionals[0] ?? 'run';
  if (command === 'fixtures') {
    const estate = loadEstateDefinition();
    writeFileSync(
      join(root, 'local/fixtures/topology.json'),
      `${JSON.stringify(topologyFile(estate, { relative: true }), null, 2)}\n`,
    );
    writeFileSync(join(root, 'catalogue/teams.json'), `${JSON.stringify(teamsFile(estate), null, 2)}\n`);
    const dir = join(root, 'knowledge/services');
    mkdirSync(dir, { recursive: true });
    for (const article of knowledgeArticles(estate)) writeFileSync(join(dir, article.file), article.text);
    // Sample logs: three hours of ordinary traffic for every service that has no hand-written sample yet (the
    // hand-written ones tell the sample incident's story and are kept).
    const logs = join(root, 'local/fixtures/logs');
    const present = new Set(readdirSync(logs).map((f) => f.replace(/\.[^.]+$/, '')));
    let written = 0;
    for (const [name, service] of Object.entries(estate.services)) {
      if (present.has(name) || existsSync(join(logs, name))) continue;
      const lines: string[] = [];
      const start = Date.parse('2026-11-20T06:00:00Z');
      lines.push(
        ...formatLogEvent(
          service.logFormat,
          name,
          service.kind,
          { type: 'info', message: `${name} ${service.deploys.at(-1)!.version} started` },
          new Date(start - 5000),
        ),
      );
      for (let t = start, n = 0; t < start + 3 * 3_600_000; t += 30_000, n += 1) {
        const event = {
          type: 'request' as const,
          method: n % 3 === 0 ? 'POST' : 'GET',
          path: ['/api/v1/items', '/api/v1/orders', '/api/v1/cart', '/health'][n % 4]!,
          status: n % 97 === 0 ? 502 : 200,
          latencyMs: 40 + ((n * 37) % 120),
          bytes: 512 + (n % 7) * 130,
          client: `10.0.${n % 8}.${10 + (n % 200)}`,
        };
        lines.push(...formatLogEvent(service.logFormat, name, service.kind, event, new Date(t), n));
      }
      writeFileSync(join(logs, logFileName(name, service.logFormat)), `${lines.join('\n')}\n`);
      written += 1;
    }
    process.stdout.write(
      `wrote local/fixtures/topology.json, catalogue/teams.json, ${Object.keys(estate.services).length} articles in knowledge/services and ${written} sample logs\n`,
    );
    return;
  }
  if (command !== 'run') throw new Error(`unknown command '${command}' (run | fixtures)`);
  const log = (message: string) => process.stdout.write(`[estate] ${message}\n`);
  const estate = await startEstate({ stateDir: resolve(values.dir), basePort: Number(values.port), log });
  if (values.lumos)
    estate.attachLumos({
      url: values.lumos,
      alertmanagerSecret:
        values.secret ??
        process.env.LUMOS_WEBHOOK_SECRET_ALERTMANAGER ??
        process.env.LUMOS_WEBHOOK_SECRET ??
        'local-dev-secret',
    });
  for (const [name, url] of Object.entries(estate.urls)) log(`${name.padEnd(20)} ${url}`);
  log(
    `start Lumos with LUMOS_TOPOLOGY_FILE=${estate.files.topology} LUMOS_LOGS_DIR=${estate.files.logsDir} ` +
      `LUMOS_TEAMS_FILE=${estate.files.teams} LUMOS_GOVERNANCE_OVERRIDES="$(cat ${estate.files.governanceOverrides})"`,
  );
  const stop = async () => {
    await estate.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`[estate] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
