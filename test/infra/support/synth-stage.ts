import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { StageName } from '../../../lib/config/stage-config';
import { addLumosStage } from '../../../lib/lumos-app';
import type { LumosStack } from '../../../lib/lumos-stack';

/** The feature flags and settings `cdk synth` reads from cdk.json, so tests synthesize what the CLI synthesizes. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8'),
).context;

/**
 * A CDK app as `bin/lumos.ts` builds it, writing to a fresh temp dir and skipping esbuild bundling (the handler
 * code is not under test here, and bundling costs seconds per function).
 */
export function newTestApp(): App {
  return new App({
    outdir: mkdtempSync(path.join(tmpdir(), 'lumos-infra-')),
    context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [] },
  });
}

/** One stage's stack and its template, without the cdk-nag gate (the compliance tests add it). */
export function synthStage(stage: StageName): { app: App; stack: LumosStack; template: Template } {
  const app = newTestApp();
  const stack = addLumosStage(app, stage, { complianceGate: false });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Template resources of one type, by logical id. */
export function resourcesOfType(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  const found = template.findResources(type) as Record<string, { Properties?: Record<string, unknown> }>;
  return Object.fromEntries(
    Object.entries(found).map(([id, resource]) => [id, { ...resource, Properties: resource.Properties ?? {} }]),
  );
}

/**
 * Renders a CloudFormation value to text with references spelled `<LogicalId.Attr>` / `<LogicalId>`, so a test can
 * look at what a `Fn::Join` will become.
 */
export function renderCfn(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(renderCfn).join('');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(renderCfn).join(delimiter);
    }
    if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof node.Ref === 'string') return `<${node.Ref}>`;
  }
  return JSON.stringify(value);
}
