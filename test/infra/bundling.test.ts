import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { measureAllBundles } from '../../bin/bundle-sizes';
import { functionCatalogue } from '../../lambdas/function-catalogue';
import { BUNDLE_SIZE_LIMIT_KIB } from '../../lib/constructs/function-bundling';
import { LumosFunction } from '../../lib/constructs/lumos-function';
import { provideRuntimeModules } from '../support/lambda-runtime-modules';

const projectRoot = path.join(__dirname, '..', '..');
const node = path.join(projectRoot, 'node_modules', '.bin', 'node');

/** Imports a bundle in a fresh Node process (as Lambda does) and reports what it exports. */
function importInFreshNode(bundle: string): { status: number | null; stdout: string; stderr: string } {
  const script = `import(${JSON.stringify(bundle)}).then((m) => console.log(typeof m.handler), (e) => { console.error(e.message); process.exit(1); })`;
  return spawnSync(node, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'eu-west-1', POWERTOOLS_SERVICE_NAME: 'lumos-bundling-test' },
  });
}

describe('LumosFunction bundling', () => {
  it('emits an ESM bundle of a middy handler that loads in plain Node, with the WebAssembly file it reads', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lumos-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundling');
    // Plan uses middy (ESM-only), the runtime's AWS SDK (external) and cedar-wasm (reads a .wasm by __dirname).
    const plan = new LumosFunction(stack, 'Plan', {
      entry: path.join(projectRoot, 'lambdas', 'workflow', 'plan', 'handler.ts'),
      description: 'bundling test',
      serviceName: 'lumos-plan',
    });
    const assetDir = path.join(
      outdir,
      stack.resolve((plan.function.node.findChild('Code') as unknown as { assetPath: string }).assetPath),
    );
    app.synth();
    provideRuntimeModules(outdir);

    expect(existsSync(path.join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(assetDir, 'cedar_wasm_bg.wasm'))).toBe(true);
    const loaded = importInFreshNode(path.join(assetDir, 'index.mjs'));
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout.trim()).toBe('function');
  });

  it('leaves the AWS SDK to the runtime: the bundle requires @aws-sdk and @smithy packages instead of inlining them', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lumos-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundling');
    const store = new LumosFunction(stack, 'RecordOutcome', {
      entry: path.join(projectRoot, 'lambdas', 'workflow', 'record-outcome', 'handler.ts'),
      description: 'bundling test',
      serviceName: 'lumos-record-outcome',
    });
    const assetDir = path.join(
      outdir,
      stack.resolve((store.function.node.findChild('Code') as unknown as { assetPath: string }).assetPath),
    );
    app.synth();
    const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
    // Loaded through require() (CommonJS), not import: the SDK packages are CommonJS, and importing them from ESM
    // made Node scan and load each of their files through the ES module loader.
    expect(code).toMatch(/=require\("@aws-sdk\/client-dynamodb"\)/);
    expect(code).not.toMatch(/from\s*"@(aws-sdk|smithy)\//);
    expect(code).not.toContain('aws-xray-sdk');
  });

  describe(`every catalogue function's bundle (${functionCatalogue.length})`, () => {
    let measures: Awaited<ReturnType<typeof measureAllBundles>>;
    beforeAll(async () => {
      measures = await measureAllBundles();
    }, 120_000);

    it(`is at most ${BUNDLE_SIZE_LIMIT_KIB} KiB minified`, () => {
      const over = measures
        .filter((m) => m.bytes > BUNDLE_SIZE_LIMIT_KIB * 1024)
        .map((m) => `${m.id}: ${(m.bytes / 1024).toFixed(1)} KiB (largest: ${m.contributors.slice(0, 3).join('; ')})`);
      expect(over).toEqual([]);
      expect(measures).toHaveLength(functionCatalogue.length);
    });

    it('contains no local-only code (local runtime, tests, local stand-ins, local-only packages)', () => {
      const local = measures.filter((m) => m.localOnly.length > 0).map((m) => `${m.id}: ${m.localOnly.join(', ')}`);
      expect(local).toEqual([]);
    });

    it('inlines neither the AWS SDK nor the X-Ray SDK', () => {
      const inlined = measures.flatMap((m) =>
        m.contributors
          .filter(([name]) => /^@aws-sdk\/|^@smithy\/|^aws-xray-sdk/.test(name))
          .map(([name]) => `${m.id}: ${name}`),
      );
      expect(inlined).toEqual([]);
    });
  });
});
