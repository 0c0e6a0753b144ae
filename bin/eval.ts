import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alertQueries } from '../bench/knowledge';
import { runLogsEval } from './eval/logs';
import { printPriorityDetails, reliabilityText, runPriorityEval } from './eval/priority';
import { evaluateRetrieval } from './eval/retrieval';
import { runSentimentEval } from './eval/sentiment';
import { DEFAULT_DATASETS, runAllBenchmarks, summaryTable } from './eval/summary';
import { evaluateTriage } from './eval/triage';

const USAGE = `Lumos evaluation.

  npm run eval [-- --fast] [--datasets <dir>]     (--data-dir is accepted too)
      One table of every public benchmark (../shared/datasets by default) beside its baseline and target:
      retrieval on the runbooks, LogHub grouping accuracy, sentiment, priority and calibration. --fast runs a
      small sample of each (what CI runs).

  npm run eval -- priority [--fast] [--datasets <dir>]
      Priority on the Apache Hadoop Jira set: trains on its train half inside the run (nothing is kept), triages the
      test half; macro-F1 (3 bands and P1-P5), accuracy, the reliability table of the stated confidence and ECE.

  npm run eval -- retrieval --kb <dir> --queries <file.jsonl> [--queries <more.jsonl>]
      R@1, R@3, MRR and latency of the hybrid index, its halves and a plain BM25 baseline.
      Query lines: {"query": "...", "expected": "<articleId>"} or {"kind": "ticket"|"alert", "title": "...",
      "description": "...", "expected": "<articleId>"} (turned into the query the knowledge agent would send).

  npm run eval -- triage --data <file.csv|file.jsonl> [--folds 5]
      Accuracy per field (category, priority, assignment group) and confusion tables, by cross-validation.

  npm run eval -- logs [--data-dir <datasets>]
      Grouping accuracy of the log miner on LogHub-2k (Content column and raw lines) beside published Drain.

  npm run eval -- sentiment [--data-dir <datasets>]
      Accuracy and macro-F1 of the sentiment scorer on the airline tweets, and how often escalation is raised.

  npm run eval -- alert-queries --alerts <alert-rules dir> --kb <runbooks dir> [--out <file.jsonl>]
      Writes one query per alerting rule whose runbook_url names a runbook in --kb (summary and description, as
      the alert would arrive; the alert name is left out because it is the runbook's file name).`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [command, ...rest] = args[0] && !args[0].startsWith('-') ? args : ['summary', ...args];
  const { values } = parseArgs({
    args: rest,
    options: {
      fast: { type: 'boolean' },
      datasets: { type: 'string' },
      kb: { type: 'string' },
      queries: { type: 'string', multiple: true },
      data: { type: 'string', multiple: true },
      folds: { type: 'string' },
      alerts: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const datasets = resolve(values.datasets ?? values['data-dir'] ?? DEFAULT_DATASETS);
  const log = (line: string) => console.error(`.. ${line}`);
  switch (command) {
    case 'summary': {
      const { rows, priority } = await runAllBenchmarks({ datasets, fast: values.fast, log });
      console.log(`Lumos public benchmarks${values.fast ? ' (fast sample)' : ''}, datasets ${datasets}\n`);
      console.log(summaryTable(rows));
      if (priority) console.log(`\npriority reliability (Jira test half)\n${reliabilityText(priority.reliability)}`);
      return;
    }
    case 'priority': {
      const { details } = await runPriorityEval({
        datasets,
        ...(values.fast ? { sample: 60, iterations: 150 } : {}),
        log,
      });
      printPriorityDetails(details);
      return;
    }
    case 'retrieval':
      if (!values.kb || !values.queries?.length) break;
      return evaluateRetrieval(
        resolve(values.kb),
        values.queries.map((q) => resolve(q)),
      );
    case 'triage':
      if (!values.data?.length) break;
      return evaluateTriage(
        values.data.map((d) => resolve(d)),
        Number(values.folds ?? 5),
      );
    case 'logs':
      await runLogsEval({ dataDir: datasets });
      return;
    case 'sentiment':
      await runSentimentEval({ dataDir: datasets });
      return;
    case 'alert-queries': {
      if (!values.alerts || !values.kb) break;
      const queries = await alertQueries(resolve(values.alerts), resolve(values.kb));
      const jsonl = queries.map((q) => JSON.stringify({ query: q.query, expected: q.expected })).join('\n');
      if (values.out) {
        await writeFile(values.out, `${jsonl}\n`);
        console.log(`${queries.length} alert queries -> ${values.out}`);
      } else console.log(jsonl);
      return;
    }
  }
  console.error(USAGE);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
