import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functionCatalogue } from '../../../lambdas/function-catalogue';

/**
 * Each handler imports only the AWS registrations (lambdas/runtime/aws/*) for the ports it resolves, so its bundle
 * stays small. These tests keep that honest: a handler whose code resolves a port it does not register would fail
 * in Lambda with "no adapter configured", and a handler that registers ports it never resolves ships adapters for
 * nothing.
 */

const root = join(__dirname, '..', '..', '..');
const registrationDir = 'lambdas/runtime/aws';
/** Helpers under runtime/aws that register nothing themselves. */
const helpers = new Set(['env.ts', 'bedrock-client.ts']);
/** Always available without a registration (the system clock). */
const builtIn = new Set(['clock']);

/** Dummy values for every environment variable a factory or module may read at import time. */
const dummyEnv: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_SERVICE_NAME: 'lumos-port-registrations-test',
  INCIDENT_TABLE_NAME: 'incidents',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:000000000000:stateMachine:lumos',
  RAW_ARCHIVE_BUCKET: 'raw',
  WEBHOOK_SECRETS_ARN: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:webhooks',
};

type Registry = { registeredPorts(): string[]; dependency(key: string): unknown };

/** Imports modules in a fresh module registry (nothing registered, nothing provided) and reports what got registered. */
function registeredAfterImporting(...modules: string[]): string[] {
  let ports: string[] = [];
  jest.isolateModules(() => {
    for (const module of modules) require(join(root, module));
    ports = (require(join(root, 'lambdas/runtime/dependencies')) as Registry).registeredPorts();
  });
  return ports.sort();
}

const registrationModules = readdirSync(join(root, registrationDir))
  .filter((name) => name.endsWith('.ts') && !helpers.has(name))
  .map((name) => `${registrationDir}/${name}`)
  .sort();

/** Ports named in `dependency('<port>')` calls of one source file. */
function portsResolvedIn(source: string): string[] {
  return [...source.matchAll(/\bdependency\(\s*'([A-Za-z]+)'\s*\)/g)].map((match) => match[1]!);
}

/** Project files a bundle includes, keyed by catalogue id (one esbuild pass over every entry). */
async function bundleInputs(): Promise<Map<string, string[]>> {
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
  const outputs = (result.metafile as Metafile).outputs;
  const byEntry = new Map<string, string[]>();
  for (const output of Object.values(outputs)) {
    if (!output.entryPoint) continue;
    byEntry.set(
      output.entryPoint,
      Object.keys(output.inputs).filter((input) => input.startsWith('lambdas/')),
    );
  }
  return new Map(functionCatalogue.map((spec) => [spec.id, byEntry.get(spec.entry) ?? []]));
}

describe('AWS port registrations', () => {
  const savedEnv = { ...process.env };
  let inputs: Map<string, string[]>;
  beforeAll(async () => {
    Object.assign(process.env, dummyEnv);
    inputs = await bundleInputs();
  }, 120_000);
  afterAll(() => {
    process.env = savedEnv;
  });

  const registers = new Map(registrationModules.map((module) => [module, registeredAfterImporting(module)]));
  it('registers at least one port in every module under lambdas/runtime/aws', () => {
    expect(registrationModules.length).toBeGreaterThan(0);
    expect(registrationModules.filter((module) => registers.get(module)?.length === 0)).toEqual([]);
  });

  it('registers every port from aws-defaults, the union of all registration modules', () => {
    const union = [...new Set([...registers.values()].flat())].sort();
    expect(registeredAfterImporting('lambdas/runtime/aws-defaults.ts')).toEqual(union);
  });

  it('fails loudly, naming the port, when a port has no registration and nothing provided', () => {
    jest.isolateModules(() => {
      const { dependency } = require(join(root, 'lambdas/runtime/dependencies')) as Registry;
      expect(() => dependency('store')).toThrow(/no adapter configured for port 'store'/);
    });
  });

  describe.each(functionCatalogue.map((spec) => [spec.id, spec.entry]))('%s', (id, entry) => {
    const project = () => inputs.get(id) ?? [];
    const code = () => project().filter((file) => !file.startsWith('lambdas/runtime/'));
    const resolved = () =>
      [...new Set(code().flatMap((file) => portsResolvedIn(readFileSync(join(root, file), 'utf8'))))]
        .filter((port) => !builtIn.has(port))
        .sort();
    const bundledRegistrations = () => project().filter((file) => registers.has(file));

    it('is bundled with its registrations, not with aws-defaults', () => {
      expect(project()).toContain(entry);
      expect(project()).not.toContain('lambdas/runtime/aws-defaults.ts');
    });

    it('only ever resolves ports by a literal name, so the static check below sees them all', () => {
      const dynamic = code().filter((file) => /\bdependency\(\s*[^'\s]/.test(readFileSync(join(root, file), 'utf8')));
      expect(dynamic).toEqual([]);
    });

    it('registers every port its code resolves once its handler module is imported', () => {
      const registered = registeredAfterImporting(entry);
      expect(resolved().filter((port) => !registered.includes(port))).toEqual([]);
    });

    it('bundles no registration module whose ports it never resolves', () => {
      const needed = resolved();
      const unused = bundledRegistrations().filter(
        (module) => !(registers.get(module) ?? []).some((port) => needed.includes(port)),
      );
      expect(unused).toEqual([]);
    });
  });
});
