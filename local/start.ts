import { loadLocalConfig } from './config';
import type { RunningLumos } from './runtime';

/** `npm start`: runs Lumos on this machine until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadLocalConfig();
  const log = (message: string) => process.stdout.write(`[lumos] ${message}\n`);
  let lumos: RunningLumos | undefined;
  let starting: Promise<RunningLumos> | undefined;
  let stopping = false;
  const startup = new AbortController();
  // Registered before anything starts, so a signal during start-up also stops DynamoDB Local and the rest.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
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
  log('send a signed webhook: see README "Your first incident"; Ctrl+C stops everything');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[lumos] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
