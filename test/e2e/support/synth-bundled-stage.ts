import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { functionCatalogue } from '../../../lambdas/function-catalogue';
import { addLumosStage } from '../../../lib/lumos-app';

const projectRoot = path.resolve(__dirname, '..', '..', '..');

/** One deployed function as the synthesized template describes it. */
export interface SynthesizedFunction {
  /** Catalogue id. */
  readonly id: string;
  /** The asset folder in the cloud assembly (holds `index.mjs`). */
  readonly assetDir: string;
  /** Environment variables exactly as the template sets them (strings, or CloudFormation intrinsics). */
  readonly environment: Record<string, unknown>;
  /** Asset folders of the function's layers (they appear under /opt in Lambda). */
  readonly layerDirs: readonly string[];
  readonly timeoutSeconds: number;
  readonly memorySize: number;
}

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

/** Everything a synthesized stage is built from: sources, policies, ASL, configuration and the lockfile. */
const SYNTH_INPUTS = [
  'bin',
  'lib',
  'lambdas',
  'statemachines',
  'policies',
  'runbooks',
  'catalogue',
  'console',
  'cdk.json',
  'package-lock.json',
];

function hashTree(hash: ReturnType<typeof createHash>, file: string): void {
  if (!existsSync(file)) return;
  if (statSync(file).isDirectory()) {
    for (const name of readdirSync(file).sort()) {
      if (name !== 'node_modules') hashTree(hash, path.join(file, name));
    }
  } else hash.update(path.relative(projectRoot, file)).update(readFileSync(file));
}

/**
 * The stage synthesized with bundling into `cdk.out/bundled-<stage>`, reused while none of its inputs changed (a
 * content hash of {@link SYNTH_INPUTS} is kept beside it), so repeated runs skip the minute a synth takes.
 */
export function bundledStage(stage: string): { outdir: string; functions: Map<string, SynthesizedFunction> } {
  const outdir = path.join(projectRoot, 'cdk.out', `bundled-${stage}`);
  const hash = createHash('sha256').update(stage);
  for (const input of SYNTH_INPUTS) hashTree(hash, path.join(projectRoot, input));
  const digest = hash.digest('hex');
  const stamp = path.join(outdir, '.inputs-sha256');
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === digest;
  if (!fresh) {
    rmSync(outdir, { recursive: true, force: true });
    synthesize(stage, outdir);
    writeFileSync(stamp, digest);
  }
  return { outdir, functions: readFunctions(outdir) };
}

/**
 * Synthesizes one stage with bundling, as `cdk synth -c stage=<stage>` does, into `outdir`, and returns each
 * catalogue function's asset folder, environment and layers read back from the template.
 */
export function synthBundledStage(stage: string, outdir: string): Map<string, SynthesizedFunction> {
  synthesize(stage, outdir);
  return readFunctions(outdir);
}

function synthesize(stage: string, outdir: string): void {
  mkdirSync(outdir, { recursive: true });
  const context = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')).context;
  // Path and asset metadata, as the CDK CLI asks for them; the compliance gate is the infra tests' business.
  const app = new App({
    outdir,
    context: { ...context, stage, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true },
  });
  addLumosStage(app, stage, { complianceGate: false });
  app.synth();
}

function readFunctions(outdir: string): Map<string, SynthesizedFunction> {
  const resources: Record<string, Resource> = {};
  for (const file of readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    Object.assign(resources, JSON.parse(readFileSync(path.join(outdir, file), 'utf8')).Resources);
  }
  const assetDir = (resource: Resource | undefined): string => {
    const assetPath = resource?.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error('resource has no asset path');
    const dir = path.join(outdir, assetPath);
    if (!existsSync(dir)) throw new Error(`asset ${dir} was not written`);
    return dir;
  };

  const functions = new Map<string, SynthesizedFunction>();
  for (const spec of functionCatalogue) {
    const suffix = `/Functions/${spec.id}/Function/Resource`;
    const entry = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Metadata?.['aws:cdk:path']).endsWith(suffix),
    );
    if (!entry) throw new Error(`the template has no function ${spec.id}`);
    const props = entry.Properties ?? {};
    const layers = ((props.Layers as { Ref?: string }[] | undefined) ?? []).map((layer) => {
      if (!layer.Ref) throw new Error(`${spec.id}: layer ${JSON.stringify(layer)} is not in this template`);
      return assetDir(resources[layer.Ref]);
    });
    functions.set(spec.id, {
      id: spec.id,
      assetDir: assetDir(entry),
      environment: ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {}) as Record<string, unknown>,
      layerDirs: layers,
      timeoutSeconds: Number(props.Timeout ?? 30),
      memorySize: Number(props.MemorySize ?? 512),
    });
  }
  return functions;
}
