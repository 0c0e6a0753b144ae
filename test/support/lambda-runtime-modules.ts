import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';

const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * Makes the packages the nodejs24.x runtime provides (the AWS SDK: `@aws-sdk/*`, `@smithy/*`) resolvable from
 * bundles under `dir`, as Lambda does: a `node_modules` in `dir` with links to the project's copies and nothing
 * else, so a bundle that wrongly leaves out any other package still fails to load. `extra` maps further package
 * names to folders (what a layer's `nodejs/node_modules` provides).
 */
export function provideRuntimeModules(dir: string, extra: Record<string, string> = {}): void {
  const modules = path.join(dir, 'node_modules');
  const links: Record<string, string> = {
    '@aws-sdk': path.join(projectRoot, 'node_modules', '@aws-sdk'),
    '@smithy': path.join(projectRoot, 'node_modules', '@smithy'),
    ...extra,
  };
  for (const [name, target] of Object.entries(links)) {
    const link = path.join(modules, ...name.split('/'));
    if (existsSync(link)) continue;
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}
