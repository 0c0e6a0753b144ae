import type { OpenSearchLike } from '../../../../lambdas/adapters/aws/opensearch-knowledge-index';

type Doc = Record<string, unknown>;
type Scored = Map<string, number>;

const words = (text: unknown) =>
  String(text ?? '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1)
    .map((w) => w.replace(/(ing|ed|es|s)$/, ''));

/** An error shaped like the OpenSearch client's ResponseError. */
class ResponseError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ResponseError';
  }
}

/**
 * An in-memory OpenSearch with the semantics the knowledge adapter relies on: index creation (400 if it exists),
 * search pipelines, bulk index/delete with generated ids (as Serverless vector collections), `term`/`terms` filters,
 * `terms` aggregations, `multi_match` (BM25 over boosted fields, best field wins), `knn` (inner product) and `hybrid`
 * queries combined by the registered normalization processor (min-max, weighted arithmetic mean).
 */
export class FakeOpenSearch implements OpenSearchLike {
  readonly indexes = new Map<string, { definition: Doc; docs: Map<string, Doc> }>();
  readonly pipelines = new Map<string, Doc>();
  readonly requests: { api: string; params: unknown }[] = [];
  private nextId = 1;

  indices = {
    exists: async ({ index }: { index: string }) => {
      this.requests.push({ api: 'indices.exists', params: { index } });
      return { body: this.indexes.has(index) };
    },
    create: async ({ index, body }: { index: string; body: Doc }) => {
      this.requests.push({ api: 'indices.create', params: { index, body } });
      if (this.indexes.has(index)) throw new ResponseError(400, 'resource_already_exists_exception');
      this.indexes.set(index, { definition: body, docs: new Map() });
      return { body: { acknowledged: true } };
    },
  };

  searchPipeline = {
    put: async ({ id, body }: { id: string; body: Doc }) => {
      this.requests.push({ api: 'searchPipeline.put', params: { id, body } });
      this.pipelines.set(id, body);
      return { body: { acknowledged: true } };
    },
  };

  private docsOf(index: string) {
    const found = this.indexes.get(index);
    if (!found) throw new ResponseError(404, `no such index [${index}]`);
    return found.docs;
  }

  async bulk({ body }: { body: Doc[] }) {
    this.requests.push({ api: 'bulk', params: { operations: body.length } });
    const items: Doc[] = [];
    for (let i = 0; i < body.length; i++) {
      const action = body[i]!;
      if ('index' in action) {
        const meta = action.index as { _index: string; _id?: string };
        if (meta._id) throw new ResponseError(400, 'Document ID is not supported in create/index operation request');
        const id = `doc-${this.nextId++}`;
        this.docsOf(meta._index).set(id, body[++i]!);
        items.push({ index: { _id: id, status: 201 } });
      } else if ('delete' in action) {
        const meta = action.delete as { _index: string; _id: string };
        const existed = this.docsOf(meta._index).delete(meta._id);
        items.push({ delete: { _id: meta._id, status: existed ? 200 : 404 } });
      }
    }
    return {
      body: {
        errors: items.some((item) => Object.values(item).some((r) => (r as { status: number }).status >= 300)),
        items,
      },
    };
  }

  async search({ index, body, search_pipeline }: { index: string; body: Doc; search_pipeline?: string }) {
    this.requests.push({ api: 'search', params: { index, body, search_pipeline } });
    const docs = [...this.docsOf(index).entries()];
    const query = (body.query ?? { match_all: {} }) as Doc;
    let scored: Scored;
    if ('hybrid' in query) {
      const pipeline = search_pipeline ? this.pipelines.get(search_pipeline) : undefined;
      if (!pipeline)
        throw new ResponseError(400, 'hybrid query needs a search pipeline with a normalization processor');
      const processor = ((pipeline.phase_results_processors as Doc[])[0]!['normalization-processor'] ?? {}) as {
        combination: { parameters?: { weights?: number[] } };
      };
      const subqueries = (query.hybrid as { queries: Doc[] }).queries;
      const weights = processor.combination.parameters?.weights ?? subqueries.map(() => 1 / subqueries.length);
      const results = subqueries.map((sub) => this.run(sub, docs));
      scored = new Map();
      results.forEach((result, q) => {
        const values = [...result.values()];
        const min = Math.min(...values);
        const max = Math.max(...values);
        for (const [id, score] of result) {
          const normalized = max > min ? (score - min) / (max - min) : 1;
          scored.set(id, (scored.get(id) ?? 0) + weights[q]! * normalized);
        }
      });
      const total = weights.reduce((a, b) => a + b, 0);
      for (const [id, score] of scored) scored.set(id, score / total);
    } else {
      scored = this.run(query, docs);
    }
    const size = Number(body.size ?? 10);
    const excludes = ((body._source as { excludes?: string[] } | undefined)?.excludes ?? []) as string[];
    const hits = [...scored.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, size)
      .map(([id, score]) => {
        const source = Object.fromEntries(
          Object.entries(this.docsOf(index).get(id)!).filter(([key]) => !excludes.includes(key)),
        );
        return body._source === false ? { _id: id, _score: score } : { _id: id, _score: score, _source: source };
      });
    const response: Doc = { hits: { total: { value: scored.size }, hits } };
    if (body.aggs)
      response.aggregations = this.aggregate(
        body.aggs as Doc,
        [...scored.keys()].map((id) => this.docsOf(index).get(id)!),
      );
    return { body: response };
  }

  private run(query: Doc, docs: [string, Doc][]): Scored {
    if ('match_all' in query) return new Map(docs.map(([id]) => [id, 1]));
    if ('term' in query) {
      const [field, value] = Object.entries(query.term as Doc)[0]!;
      return new Map(docs.filter(([, d]) => d[field] === value).map(([id]) => [id, 1]));
    }
    if ('terms' in query) {
      const [field, values] = Object.entries(query.terms as Doc)[0]! as [string, unknown[]];
      return new Map(docs.filter(([, d]) => values.includes(d[field])).map(([id]) => [id, 1]));
    }
    if ('multi_match' in query) {
      const { query: text, fields } = query.multi_match as { query: string; fields: string[] };
      const terms = [...new Set(words(text))];
      const result: Scored = new Map();
      for (const spec of fields) {
        const [field, boostText] = spec.split('^') as [string, string | undefined];
        const boost = Number(boostText ?? 1);
        const lengths = docs.map(([, d]) => words(d[field]).length);
        const avg = lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length) || 1;
        for (const [id, doc] of docs) {
          const tokens = words(doc[field]);
          let score = 0;
          for (const term of terms) {
            const tf = tokens.filter((t) => t === term).length;
            if (!tf) continue;
            const df = docs.filter(([, d]) => words(d[field]).includes(term)).length;
            const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
            score += idf * ((tf * 2.2) / (tf + 1.2 * (0.25 + 0.75 * (tokens.length / avg))));
          }
          if (score > 0) result.set(id, Math.max(result.get(id) ?? 0, score * boost));
        }
      }
      return result;
    }
    if ('knn' in query) {
      const [field, { vector, k }] = Object.entries(query.knn as Doc)[0]! as [string, { vector: number[]; k: number }];
      return new Map(
        docs
          .map(([id, d]) => [id, (d[field] as number[]).reduce((s, v, i) => s + v * vector[i]!, 0)] as [string, number])
          .sort((a, b) => b[1] - a[1])
          .slice(0, k),
      );
    }
    throw new ResponseError(400, `unsupported query ${Object.keys(query)[0]}`);
  }

  private aggregate(aggs: Doc, docs: Doc[]): Doc {
    const out: Doc = {};
    for (const [name, spec] of Object.entries(aggs) as [string, Doc][]) {
      const { field, size } = spec.terms as { field: string; size: number };
      const groups = new Map<string, Doc[]>();
      for (const doc of docs) {
        const key = String(doc[field]);
        groups.set(key, [...(groups.get(key) ?? []), doc]);
      }
      out[name] = {
        buckets: [...groups.entries()].slice(0, size).map(([key, members]) => ({
          key,
          doc_count: members.length,
          ...(spec.aggs ? this.aggregate(spec.aggs as Doc, members) : {}),
        })),
      };
    }
    return out;
  }
}
