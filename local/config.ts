import { resolve } from 'node:path';

export interface LocalConfig {
  /** HTTP API and console. */
  port: number;
  /** Step Functions (AWS JSON protocol). */
  sfnPort: number;
  /** DynamoDB Local. */
  dynamodbPort: number;
  /** Where all local state lives. */
  home: string;
  /** Markdown knowledge base indexed at start. */
  kbDir: string;
  projectRoot: string;
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got '${value}'`);
  return n;
}

/** Reads the local runtime's settings (documented in the README) from the environment. */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const projectRoot = resolve(__dirname, '..');
  return {
    port: port(env.LUMOS_PORT, 'LUMOS_PORT', 3000),
    sfnPort: port(env.LUMOS_SFN_PORT, 'LUMOS_SFN_PORT', 8083),
    dynamodbPort: port(env.LUMOS_DYNAMODB_PORT, 'LUMOS_DYNAMODB_PORT', 8000),
    home: resolve(env.LUMOS_HOME ?? '.lumos'),
    kbDir: resolve(env.LUMOS_KB_DIR ?? resolve(projectRoot, 'knowledge')),
    projectRoot,
  };
}
