#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { InvalidStageConfigError, UnknownStageError } from '../lib/config/stage-config';
import { addLumosStage } from '../lib/lumos-app';

/**
 * The CDK app: one stack for the stage named by `-c stage=dev|staging|prod` (default `dev`, from cdk.json).
 * Without AWS credentials the stack is environment-agnostic, so `cdk synth` works offline.
 */
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');

try {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  addLumosStage(app, stage, { env: account && region ? { account, region } : undefined });
} catch (error) {
  if (error instanceof UnknownStageError || error instanceof InvalidStageConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
