import type { EvalOptions, EvalRow } from './logs';
export async function runSentimentEval(_opts: EvalOptions = {}): Promise<{ rows: EvalRow[]; details: unknown }> {
  return { rows: [], details: {} };
}
