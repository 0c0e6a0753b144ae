/** One retrievable chunk of a knowledge article. */
export interface KnowledgeChunk {
  chunkId: string;
  articleId: string;
  title: string;
  /** Heading path inside the article, e.g. `Diagnosis > Check disk`. */
  section?: string;
  text: string;
  updatedAt?: string;
}

export interface KnowledgeHit {
  articleId: string;
  title: string;
  score: number;
  snippet: string;
  section?: string;
  updatedAt?: string;
}

/** Hybrid (lexical + vector) search over knowledge articles. Results are per article, best first. */
export interface KnowledgeIndex {
  search(query: string, k: number): Promise<KnowledgeHit[]>;
}

/** Turns text into vectors for semantic search. */
export interface Embedder {
  readonly dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
}
