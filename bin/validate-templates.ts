import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { STAGE_NAMES } from '../lib/config/stage-config';
import { addLumosStage } from '../lib/lumos-app';

const projectRoot = path.join(__dirname, '..');

/**
 * Synthesizes every stage into `<outRoot>/<stage>/`, exactly as `bin/lumos.ts` builds it (cdk.json context, the
 * cdk-nag gate) but without esbuild bundling, which does not change the templates. Returns every template written,
 * nested stacks included.
 */
export function synthAllStages(outRoot: string): string[] {
  const context = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')).context;
  return STAGE_NAMES.flatMap((stage) => {
    const outdir = path.join(outRoot, stage);
    mkdirSync(outdir, { recursive: true });
    const app = new App({ outdir, context: { ...context, stage, 'aws:cdk:bundling-stacks': [] } });
    addLumosStage(app, stage);
    app.synth();
    return readdirSync(outdir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => path.join(outdir, file));
  });
}

/** The pinned cfn-lint, provisioned by scripts/install-cfn-lint.sh (which prints its path last). */
export function cfnLintExecutable(): string {
  const installed = spawnSync('bash', [path.join(projectRoot, 'scripts', 'install-cfn-lint.sh')], { encoding: 'utf8' });
  if (installed.status !== 0) throw new Error(`cfn-lint is not available:\n${installed.stdout}${installed.stderr}`);
  return installed.stdout.trim().split('\n').at(-1) ?? 'cfn-lint';
}

/** Runs cfn-lint with the project's settings (.cfnlintrc.yaml) over `templates`. */
export function cfnLint(templates: string[]): { status: number | null; output: string } {
  const run = spawnSync(cfnLintExecutable(), ['--', ...templates], { cwd: projectRoot, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

if (require.main === module) {
  const outRoot = path.resolve(process.argv[2] ?? path.join(projectRoot, 'cdk.out', 'templates'));
  const templates = synthAllStages(outRoot);
  const { status, output } = cfnLint(templates);
  console.log(output.trim() || `cfn-lint: no findings in ${templates.length} templates`);
  process.exit(status ?? 1);
}
