/** A Cedar entity reference: `{ type: 'Lumos::Person', id: 'ana@example.com' }`. */
export interface EntityRef {
  type: string;
  id: string;
}

/** A JSON value as the policy engine takes it; entity references are written `{ __entity: EntityRef }`. */
export type PolicyValue =
  | string
  | number
  | boolean
  | PolicyValue[]
  | { __entity: EntityRef }
  | { [key: string]: PolicyValue };

export interface PolicyEntity {
  uid: EntityRef;
  attrs: Record<string, PolicyValue>;
  parents: EntityRef[];
}

/** One authorization question: may `principal` do `action` on `resource` in `context`? */
export interface PolicyRequest {
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context: Record<string, PolicyValue>;
  entities: PolicyEntity[];
}

/** A policy that decided (for an allow, the permits that matched; for a deny, the forbids, or none: default deny). */
export interface DeterminingPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string;
}

export interface PolicyDecision {
  allowed: boolean;
  determining: DeterminingPolicy[];
  /** Policies that failed to evaluate; a policy error never allows anything. */
  errors: string[];
}

/** The policy decision point: answers authorization questions from policies kept as code. */
export interface PolicyDecisionPoint {
  /** Identifies the policy set (a hash of its text), recorded with every decision in the audit trail. */
  readonly version: string;
  authorize(request: PolicyRequest): PolicyDecision;
}
