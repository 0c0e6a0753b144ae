import { loadLocalConfig } from './config';
import { startLumos } from './runtime';

/** `npm start`: runs Lumos on this machine until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadLocalConfig();
  const log = (message: string) => process.stdout.write(`[lumos] ${message}\n`);
  log(`starting (state in ${config.home}, knowledge from ${config.kbDir})`);
  const lumos = await startLumos(config, log);
  log(`healthy in ${lumos.startupMs} ms`);
  log(`API and console   ${lumos.urls.api}  (GET /health, /incidents, /notifications, /knowledge/search)`);
  log(`Step Functions    ${lumos.urls.stepFunctions}  (state machine ${lumos.stateMachineArn})`);
  log(`DynamoDB Local    ${lumos.urls.dynamodb}`);
  log('send a signed webhook: see README "Your first incident"; Ctrl+C stops everything');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await lumos.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[lumos] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
