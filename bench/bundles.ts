import { bundleTable, measureAllBundles } from '../bin/bundle-sizes';

/** Every function's bundle as the stack builds it (minified ESM, the runtime's AWS SDK left out), before and now. */
export async function bundleSizes(): Promise<void> {
  console.log(
    `\n## Lambda bundle sizes (esbuild, minified ESM, as deployed)\n${bundleTable(await measureAllBundles())}`,
  );
}
