/** A component of the service graph: a service, database, queue, host, third-party API. */
export interface TopologyNode {
  /** Stable id, e.g. the CMDB CI name `checkout-api`. */
  readonly id: string;
  readonly name?: string;
  readonly kind?: string;
  /** Owning team. */
  readonly owner?: string;
  readonly criticality?: 'high' | 'medium' | 'low';
  /** Other names the same component goes by in tickets and alerts (`checkout`, `orders-db-prod`). */
  readonly aliases?: readonly string[];
}

/** `from` depends on `to`: when `to` breaks, `from` may break. */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  /** `calls`, `reads`, `writes`, `runs-on`, `depends-on`, ... */
  readonly kind?: string;
}

/** A change on a component: a deployment, a config change, an infrastructure change. */
export interface ChangeRecord {
  readonly id: string;
  readonly component: string;
  /** ISO 8601. */
  readonly at: string;
  readonly kind: string;
  readonly summary: string;
  readonly by?: string;
  /** Change risk as the change process rated it, if it did. */
  readonly risk?: 'high' | 'medium' | 'low';
  /** A feature-flag change: the flag it switched (AppConfig, LaunchDarkly and the like record it). */
  readonly featureFlag?: string;
}

export interface Topology {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
}

/** The service graph and its change history (DynamoDB loaded from a CMDB export in AWS, a JSON file locally). */
export interface TopologySource {
  topology(): Promise<Topology>;
  /** Changes on any of `components` with `since <= at <= until`, newest first. */
  changes(components: readonly string[], since: Date, until: Date): Promise<ChangeRecord[]>;
}
