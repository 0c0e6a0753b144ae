import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { type FunctionSpec, functionCatalogue } from '../lambdas/function-catalogue';
import {
  BUNDLE_SETTINGS,
  BUNDLE_SIZE_LIMIT_KIB,
  bundleExternals,
  LOCAL_ONLY_INPUTS,
  requireRuntimeSdkIn,
} from '../lib/constructs/function-bundling';
import { governanceExternalModules } from '../lib/governance-wiring';

const projectRoot = path.join(__dirname, '..');

/** One function's bundle as the stack builds it. */
export interface BundleMeasure {
  readonly id: string;
  /** Size of the minified `index.mjs`, in bytes. */
  readonly bytes: number;
  /** Bytes each package (or project folder) contributes, largest first. */
  readonly contributors: readonly [string, number][];
  /** Inputs that only the local runtime, tests or tooling should use. */
  readonly localOnly: readonly string[];
}

const contributorOf = (input: string): string => {
  const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  return pkg?.[1] ?? input.split('/').slice(0, 2).join('/');
};

/** Bundles one catalogue function with the stack's esbuild settings and externals, in memory. */
export async function measureBundle(spec: FunctionSpec): Promise<BundleMeasure> {
  const result = await build({
    ...BUNDLE_SETTINGS,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    banner: { js: BUNDLE_SETTINGS.banner },
    entryPoints: [path.join(projectRoot, spec.entry)],
    bundle: true,
    external: bundleExternals(governanceExternalModules(spec)),
    absWorkingDir: projectRoot,
    outfile: path.join(projectRoot, 'cdk.out', 'bundle-sizes', spec.id, 'index.mjs'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  if (!output) throw new Error(`esbuild wrote no index.mjs for ${spec.id}`);
  const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
  const byContributor = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const key = contributorOf(input);
    byContributor.set(key, (byContributor.get(key) ?? 0) + bytesInOutput);
  }
  return {
    id: spec.id,
    bytes: Buffer.byteLength(requireRuntimeSdkIn(output.text)),
    contributors: [...byContributor].sort((a, b) => b[1] - a[1]),
    localOnly: Object.keys(inputs).filter((input) => LOCAL_ONLY_INPUTS.some((pattern) => pattern.test(input))),
  };
}

/** Every catalogue function's bundle, measured in catalogue order. */
export async function measureAllBundles(specs: readonly FunctionSpec[] = functionCatalogue): Promise<BundleMeasure[]> {
  const measures: BundleMeasure[] = [];
  for (const spec of specs) measures.push(await measureBundle(spec));
  return measures;
}

/** Sizes before the bundles were slimmed (see the file's `measuredAt`), by function id, in KiB. */
function baseline(): Record<string, number> {
  const file = path.join(projectRoot, 'bench', 'baselines', 'bundle-sizes.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { kib: Record<string, number> }).kib : {};
}

/** A Markdown table: function, size before, size now, the limit check and the three largest contributors. */
export function bundleTable(measures: readonly BundleMeasure[]): string {
  const before = baseline();
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const rows = measures.map((m) => [
    m.id,
    before[m.id]?.toFixed(1) ?? '-',
    kib(m.bytes),
    m.bytes <= BUNDLE_SIZE_LIMIT_KIB * 1024 && m.localOnly.length === 0 ? 'ok' : 'OVER/LOCAL',
    m.contributors
      .slice(0, 3)
      .map(([name, bytes]) => `${name} ${kib(bytes)}`)
      .join(', '),
  ]);
  const header = [
    'function',
    'before KiB',
    'now KiB',
    `<= ${BUNDLE_SIZE_LIMIT_KIB} KiB, no local code`,
    'largest parts (KiB)',
  ];
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

if (require.main === module) {
  measureAllBundles().then(
    (measures) => {
      console.log(bundleTable(measures));
      const failing = measures.filter((m) => m.bytes > BUNDLE_SIZE_LIMIT_KIB * 1024 || m.localOnly.length > 0);
      process.exit(failing.length ? 1 : 0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
