/** Types for `vader-sentiment` (a JavaScript port of VADER), which ships none. */
declare module 'vader-sentiment' {
  /** VADER's scores of a text: shares of negative, neutral and positive, and the normalised compound (-1..1). */
  export interface PolarityScores {
    neg: number;
    neu: number;
    pos: number;
    compound: number;
  }
  export const SentimentIntensityAnalyzer: {
    polarity_scores(text: string): PolarityScores;
  };
}
