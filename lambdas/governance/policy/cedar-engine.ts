import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../core/ids';
import type {
  DeterminingPolicy,
  PolicyDecision,
  PolicyDecisionPoint,
  PolicyRequest,
  PolicyValue,
} from '../../ports/policy';
import { GovernanceConfigError } from '../governance-config';

// A CommonJS require on purpose: in Lambda the engine comes from a layer (/opt/nodejs/node_modules), which only
// CommonJS resolution searches; the bundle's ESM output provides `require` through its banner.
import cedar = require('@cedar-policy/cedar-wasm/nodejs');

const NAMESPACE = 'Lumos';

interface LoadedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string;
  text: string;
}

const messages = (errors: { message: string; help?: string | null }[]): string =>
  errors.map((e) => `${e.message}${e.help ? ` (${e.help})` : ''}`).join('; ');

/** Splits policy text into single policies and reads their `@id` and `@reason` annotations. */
function parsePolicies(file: string, text: string): LoadedPolicy[] {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new GovernanceConfigError(`${file}: ${messages(parts.errors)}`);
  return parts.policies.map((policyText) => {
    const json = cedar.policyToJson(policyText);
    if (json.type === 'failure') throw new GovernanceConfigError(`${file}: ${messages(json.errors)}`);
    const id = json.json.annotations?.id;
    if (!id) throw new GovernanceConfigError(`${file}: every policy needs an @id("...") annotation:\n${policyText}`);
    return { id, effect: json.json.effect, reason: json.json.annotations?.reason ?? id, text: policyText };
  });
}

/**
 * Lumos' policy decision point on Cedar (the Wasm build of the reference implementation). Loads the schema and
 * every `*.cedar` file of a directory, requires a unique `@id` per policy, and validates the set against the
 * schema in strict mode, so a broken policy fails loudly at start-up instead of denying (or allowing) quietly.
 */
export class CedarPolicyEngine implements PolicyDecisionPoint {
  readonly version: string;
  private readonly byId: Map<string, LoadedPolicy>;
  private readonly staticPolicies: Record<string, string>;

  constructor(schema: string, policies: LoadedPolicy[]) {
    const schemaCheck = cedar.checkParseSchema(schema);
    if (schemaCheck.type === 'failure') {
      throw new GovernanceConfigError(`Cedar schema: ${messages(schemaCheck.errors)}`);
    }
    this.byId = new Map();
    for (const policy of policies) {
      if (this.byId.has(policy.id)) throw new GovernanceConfigError(`duplicate Cedar policy id '${policy.id}'`);
      this.byId.set(policy.id, policy);
    }
    this.staticPolicies = Object.fromEntries(policies.map((p) => [p.id, p.text]));
    const validation = cedar.validate({
      schema,
      policies: { staticPolicies: this.staticPolicies },
      validationSettings: { mode: 'strict' },
    });
    if (validation.type === 'failure') {
      throw new GovernanceConfigError(`Cedar validation failed: ${messages(validation.errors)}`);
    }
    if (validation.validationErrors.length > 0) {
      throw new GovernanceConfigError(
        `Cedar policies do not match the schema: ${validation.validationErrors
          .map((e) => `${e.policyId}: ${e.error.message}`)
          .join('; ')}`,
      );
    }
    this.version = sha256Hex([schema, ...policies.map((p) => p.text)].join('\n')).slice(0, 16);
    // Parsing the schema and policies once, not per question, makes a decision take well under a millisecond.
    const preparsedSchema = cedar.preparseSchema(this.version, schema);
    const preparsedPolicies = cedar.preparsePolicySet(this.version, { staticPolicies: this.staticPolicies });
    if (preparsedSchema.type === 'failure' || preparsedPolicies.type === 'failure') {
      throw new GovernanceConfigError('Cedar could not pre-parse the schema or policy set');
    }
  }

  /** Loads `*.cedarschema` and `*.cedar` from a directory (sorted, so the version hash is stable). */
  static fromDirectory(dir: string): CedarPolicyEngine {
    const files = readdirSync(dir).sort();
    const schemaFile = files.find((f) => f.endsWith('.cedarschema'));
    if (!schemaFile) throw new GovernanceConfigError(`no *.cedarschema file in ${dir}`);
    const policies = files
      .filter((f) => f.endsWith('.cedar'))
      .flatMap((f) => parsePolicies(f, readFileSync(join(dir, f), 'utf8')));
    if (policies.length === 0) throw new GovernanceConfigError(`no *.cedar policies in ${dir}`);
    return new CedarPolicyEngine(readFileSync(join(dir, schemaFile), 'utf8'), policies);
  }

  /** The text of one policy (shown to approvers and in audit reports). */
  policyText(id: string): string | undefined {
    return this.byId.get(id)?.text;
  }

  authorize(request: PolicyRequest): PolicyDecision {
    const answer = cedar.statefulIsAuthorized({
      principal: request.principal,
      action: { type: `${NAMESPACE}::Action`, id: request.action },
      resource: request.resource,
      context: request.context as Record<string, cedar.CedarValueJson>,
      preparsedSchemaName: this.version,
      validateRequest: true,
      preparsedPolicySetId: this.version,
      entities: request.entities.map((entity) => ({
        uid: entity.uid,
        attrs: entity.attrs as Record<string, cedar.CedarValueJson>,
        parents: entity.parents,
      })),
    });
    if (answer.type === 'failure') {
      // A malformed request is a bug on our side; deny, and say why.
      return { allowed: false, determining: [], errors: [messages(answer.errors)] };
    }
    const determining: DeterminingPolicy[] = answer.response.diagnostics.reason.map((id) => {
      const policy = this.byId.get(id);
      return { id, effect: policy?.effect ?? 'permit', reason: policy?.reason ?? id };
    });
    return {
      allowed: answer.response.decision === 'allow',
      determining,
      errors: answer.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
    };
  }
}

/** An entity reference value for attributes. */
export const ref = (type: string, id: string): PolicyValue => ({ __entity: { type: `${NAMESPACE}::${type}`, id } });
/** An entity uid for principals, resources and parents. */
export const uid = (type: string, id: string) => ({ type: `${NAMESPACE}::${type}`, id });
