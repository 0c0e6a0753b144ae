import type { App, Environment } from 'aws-cdk-lib';
import { addComplianceGate } from './compliance/nag-gate';
import { loadStageConfig, type StageName } from './config/stage-config';
import { LumosStack } from './lumos-stack';

/** The CloudFormation stack name of a stage. */
export function stackNameFor(stage: StageName): string {
  return `Lumos-${stage}`;
}

/** Options of {@link addLumosStage}. */
export interface AddLumosStageOptions {
  /** Account and region to pin. @default - environment-agnostic (synthesizes offline, without credentials) */
  readonly env?: Environment;
  /** Register the cdk-nag gate on the app. Register it once per app. @default true */
  readonly complianceGate?: boolean;
}

/**
 * Adds the stack of one stage (`Lumos-<stage>`) to `app`, with its validated configuration, and the cdk-nag gate.
 * `bin/lumos.ts` and the infra tests both build the app through here, so the tests check what `cdk synth` emits.
 * @throws UnknownStageError, InvalidStageConfigError
 */
export function addLumosStage(app: App, stageName: string, options: AddLumosStageOptions = {}): LumosStack {
  const config = loadStageConfig(stageName);
  if (options.complianceGate ?? true) addComplianceGate(app);
  return new LumosStack(app, stackNameFor(config.stage), { config, env: options.env });
}
