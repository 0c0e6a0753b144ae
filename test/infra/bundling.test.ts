import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { LumosFunction } from '../../lib/constructs/lumos-function';

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
    // Plan uses middy (ESM-only), Powertools Tracer (CommonJS requires) and cedar-wasm (reads a .wasm by __dirname).
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

    expect(existsSync(path.join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(assetDir, 'cedar_wasm_bg.wasm'))).toBe(true);
    const loaded = importInFreshNode(path.join(assetDir, 'index.mjs'));
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout.trim()).toBe('function');
  });
});
