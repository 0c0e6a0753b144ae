import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functionCatalogue } from '../../lambdas/function-catalogue';
import type { FunctionAccess } from '../../lambdas/runtime/access';
import type { PortAccessor } from '../../lambdas/runtime/dependencies';
import type { LumosStack } from '../../lib/lumos-stack';
import { resourcesOfType, synthStage } from './support/synth-stage';

/**
 * Every port accessor (lambdas/runtime/ports/*) declares the catalogue access and the environment variables its AWS
 * adapter needs. These tests read which accessors each function's bundle calls and check its catalogue entry and
 * its synthesized environment against them, so a step that calls `auditTrail()` without `appendAudit` fails here,
 * not on its first run in AWS.
 */

const root = join(__dirname, '..', '..');
const portsDir = 'lambdas/runtime/ports';

/** Each accessor module's requirement, by module path. */
const requirements = new Map(
  readdirSync(join(root, portsDir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => {
      const module = require(join(root, portsDir, name)) as Record<string, unknown>;
      const accessors = Object.values(module).filter(
        (value): value is PortAccessor<unknown> => typeof value === 'function' && 'requires' in value,
      );
      if (accessors.length !== 1) throw new Error(`${portsDir}/${name} must export exactly one port accessor`);
      return [`${portsDir}/${name}` as string, accessors[0]!.requires] as const;
    }),
);

/** The accessor modules each catalogue function's own code imports (type-only imports are erased by esbuild). */
async function portsByFunction(): Promise<Map<string, string[]>> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: functionCatalogue.map((spec) => spec.entry),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    outdir: 'out',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@energetic-ai/*', '@tensorflow/*'],
  });
  const metafile = result.metafile as Metafile;
  const byEntry = new Map<string, string[]>();
  for (const output of Object.values(metafile.outputs)) {
    if (!output.entryPoint) continue;
    const ports = new Set<string>();
    for (const file of Object.keys(output.inputs)) {
      if (!file.startsWith('lambdas/') || file.startsWith(`${portsDir}/`)) continue;
      for (const imported of metafile.inputs[file]?.imports ?? []) {
        if (imported.path.startsWith(`${portsDir}/`)) ports.add(imported.path);
      }
    }
    byEntry.set(output.entryPoint, [...ports].sort());
  }
  return new Map(functionCatalogue.map((spec) => [spec.id, byEntry.get(spec.entry) ?? []]));
}

const describeAccess = (need: FunctionAccess | readonly FunctionAccess[]): string =>
  typeof need === 'string' ? need : `one of ${need.join(', ')}`;

/** Access that some port requires: the only kind a function could list without any port needing it. */
const portAccess = new Set([...requirements.values()].flatMap((r) => r.access.flat()));

let ports: Map<string, string[]>;
let stages: { stage: string; stack: LumosStack; variables: (id: string) => Record<string, unknown> }[];

beforeAll(async () => {
  ports = await portsByFunction();
  stages = (['dev', 'prod'] as const).map((stage) => {
    const { stack, template } = synthStage(stage);
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    return {
      stage,
      stack,
      variables: (id: string) => {
        const logicalId = stack.getLogicalId(
          stack.functions[id]!.function.node.defaultChild as Parameters<typeof stack.getLogicalId>[0],
        );
        const environment = functions[logicalId]?.Properties.Environment as { Variables?: Record<string, unknown> };
        return environment?.Variables ?? {};
      },
    };
  });
}, 180_000);

it('finds a requirement for every accessor module, and every function uses at least one port', () => {
  expect(requirements.size).toBeGreaterThan(10);
  expect(functionCatalogue.filter((spec) => (ports.get(spec.id) ?? []).length === 0).map((spec) => spec.id)).toEqual(
    [],
  );
});

describe.each(functionCatalogue.map((spec) => [spec.id, spec] as const))('%s', (id, spec) => {
  it('lists in its catalogue entry the access of every port its code uses', () => {
    const missing = (ports.get(id) ?? []).flatMap((module) =>
      requirements
        .get(module)!
        .access.filter((need) => ![need].flat().some((access) => spec.access.includes(access)))
        .map((need) => `${module}: ${describeAccess(need)}`),
    );
    expect(missing).toEqual([]);
  });

  it('is given, in every stage, the environment variables of every port its code uses', () => {
    for (const { stage, variables } of stages) {
      const set = variables(id);
      const missing = (ports.get(id) ?? []).flatMap((module) =>
        requirements
          .get(module)!
          .env.filter((name) => !(name in set))
          .map((name) => `${stage}: ${module}: ${name}`),
      );
      expect(missing).toEqual([]);
    }
  });

  it('lists no port access that none of its ports uses (least privilege)', () => {
    const used = new Set((ports.get(id) ?? []).flatMap((module) => requirements.get(module)!.access.flat()));
    expect(spec.access.filter((access) => portAccess.has(access) && !used.has(access))).toEqual([]);
  });
});
