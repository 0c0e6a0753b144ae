import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

/** One file of the console as it is served (locally) or uploaded (S3). */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

/** The console's source folder (this file's folder). */
export const CONSOLE_DIR = __dirname;

const STATIC_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

const contentTypeOf = (name: string) =>
  CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? STATIC_FILES[name] ?? 'application/octet-stream';

function options(minify: boolean): BuildOptions {
  return {
    entryPoints: { app: join(CONSOLE_DIR, 'src', 'main.ts'), styles: join(CONSOLE_DIR, 'styles.css') },
    bundle: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify,
    sourcemap: 'linked',
    outdir: join(CONSOLE_DIR, 'dist'),
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  };
}

function collect(outputFiles: { path: string; contents: Uint8Array }[]): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const file of outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    assets.set(name, { body: Buffer.from(file.contents), contentType: contentTypeOf(name) });
  }
  for (const [name, contentType] of Object.entries(STATIC_FILES)) {
    assets.set(name, { body: readFileSync(join(CONSOLE_DIR, name)), contentType });
  }
  return assets;
}

/**
 * Builds the operator console into memory: `app.js` (one ES module bundling `src/`), `styles.css`, their source
 * maps, `index.html` and `favicon.svg`. No framework and no network fonts: what is served is exactly this.
 * `config.json` is not built here: the local runtime and the stack each write their own.
 */
export async function buildConsole(options_: { minify?: boolean } = {}): Promise<Map<string, ConsoleAsset>> {
  const result = await build(options(options_.minify ?? true));
  return collect(result.outputFiles ?? []);
}

/** The same, synchronously (CDK's local bundling hook is synchronous). */
export function buildConsoleSync(options_: { minify?: boolean } = {}): Map<string, ConsoleAsset> {
  const result = buildSync(options(options_.minify ?? true));
  return collect(result.outputFiles ?? []);
}
