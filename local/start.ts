import { join } from 'node:path';
import type { RunningEstate } from '../estate/estate';
import { loadLocalConfig } from './config';
import type { RunningLumos } from './runtime';

/** `npm start`: runs Lumos on this machine until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadLocalConfig();
  const log = (message: string) => process.stdout.write(`[lumos] ${message}\n`);
  let lumos: RunningLumos | undefined;
  let estate: RunningEstate | undefined;
  let starting: Promise<RunningLumos> | undefined;
  let stopping = false;
  const startup = new AbortController();
  // Registered before anything starts, so a signal during start-up also stops DynamoDB Local and the rest.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await estate?.stop();
    if (lumos) await lumos.stop();
    else {
      startup.abort(new Error(`${signal} during start-up`));
      // Start-up checks the signal between phases; if it finished anyway, stop what it started.
      const started = await starting?.catch(() => undefined);
      await started?.stop();
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  log(`starting (state in ${config.home}, knowledge from ${config.kbDir})`);
  if (process.env.LUMOS_ESTATE === '1') {
    // The demo estate (docs/drills.md) first: Lumos reads its topology, logs, teams and governance at start.
    const { startEstate } = await import('../estate/estate');
    estate = await startEstate({
      stateDir: join(config.home, 'estate'),
      basePort: Number(process.env.LUMOS_ESTATE_PORT ?? 4100),
      log: (message) => process.stdout.write(`[estate] ${message}\n`),
    });
    for (const [key, value] of Object.entries(estate.lumosEnvironment())) process.env[key] ??= value;
  }
  try {
    // Loaded only now, after the signal handlers: importing every handler module takes a moment.
    const { startLumos } = await import('./runtime');
    starting = startLumos(config, log, startup.signal);
    lumos = await starting;
  } catch (error) {
    if (stopping) return;
    throw error;
  }
  log(`healthy in ${lumos.startupMs} ms`);
  log(`API and console   ${lumos.urls.api}  (console at /console; GET /health, /incidents, /notifications)`);
  log(`Step Functions    ${lumos.urls.stepFunctions}  (state machine ${lumos.stateMachineArn})`);
  log(`DynamoDB Local    ${lumos.urls.dynamodb}`);
  if (estate) {
    estate.attachLumos({
      url: lumos.urls.api,
      alertmanagerSecret:
        process.env.LUMOS_WEBHOOK_SECRET_ALERTMANAGER ?? process.env.LUMOS_WEBHOOK_SECRET ?? 'local-dev-secret',
    });
    log(
      `demo estate       ${Object.keys(estate.urls).length} services from ${Object.values(estate.urls)[0]}; its monitor alerts Lumos`,
    );
    log(
      `break something:  curl -X POST ${estate.urls['payments-api'] ?? Object.values(estate.urls)[0]}/admin/faults -d '{"kind":"bad-deploy"}'`,
    );
  }
  log('send a signed webhook: see README "Your first incident"; Ctrl+C stops everything');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[lumos] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
