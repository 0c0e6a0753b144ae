import { agentsBench } from './agents';
import { bundleSizes } from './bundles';
import { coldStartBench } from './coldstart';
import { drillBench } from './drill';
import { intakeBench } from './intake';
import { knowledgeBench } from './knowledge';
import { skeletonLatency } from './skeleton';

/**
 * `npm run bench`: prints figures to compare run to run (not pass/fail). Sections: bundle sizes, cold start of the
 * bundles from cdk.out (import + first invocation in a fresh node process), local runtime
 * start-up and webhook -> triaged latency, intake throughput and the alarm storm, knowledge retrieval (build time, latency, quality; see bench/knowledge.ts), local agents, the drill scorecard of the fast scenario subset.
 * Pass section names to run only some: `npm run bench -- bundles`.
 */
const sections: Record<string, () => Promise<void>> = {
  bundles: bundleSizes,
  coldstart: () => coldStartBench(),
  skeleton: () => skeletonLatency(Number(process.env.BENCH_INCIDENTS ?? 100)),
  intake: () => intakeBench(),
  knowledge: () => knowledgeBench([]),
  agents: agentsBench,
  drill: drillBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(sections);
  console.log(
    `# Lumos benchmark ${new Date().toISOString()} (node ${process.version}, ${process.platform}/${process.arch})`,
  );
  for (const name of names) {
    const section = sections[name];
    if (!section) throw new Error(`unknown section '${name}'; known: ${Object.keys(sections).join(', ')}`);
    await section();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
