import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

type CedarValueJson = import('@cedar-policy/cedar-wasm/nodejs').CedarValueJson;

type CedarModule = typeof import('@cedar-policy/cedar-wasm/nodejs');

let loaded: CedarModule | undefined;

/**
 * The engine, loaded on first use: loading it compiles a 4 MB Wasm module (about 25 ms), which functions that only
 * sometimes decide with policy should not pay at import. A CommonJS require on purpose: in Lambda the engine comes
 * from a layer (/opt/nodejs/node_modules), which only CommonJS resolution searches; the bundle's ESM output
 * provides `require` through its banner.
 */
function cedarModule(): CedarModule {
  loaded ??= require('@cedar-policy/cedar-wasm/nodejs') as CedarModule;
  return loaded;
}

const NAMESPACE = 'Lumos';

interface LoadedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string;
  text: string;
}

/**
 * Written beside the policies when the Lambda layer is built (see {@link CedarPolicyEngine.recordValidation}): the
 * policies split and annotated, and proof that this Cedar version validated exactly these source files.
 */
export const VALIDATED_POLICIES_FILE = 'cedar-validated.json';

interface ValidatedPolicies {
  cedarVersion: string;
  /** {@link sourceDigest} of the files that were validated. */
  sourceSha256: string;
  policies: LoadedPolicy[];
}

/** The schema and policy files of a directory, sorted (so the version hash is stable). */
function policySources(dir: string): { schemaFile: string; policyFiles: string[] } {
  const files = readdirSync(dir).sort();
  const schemaFile = files.find((f) => f.endsWith('.cedarschema'));
  if (!schemaFile) throw new GovernanceConfigError(`no *.cedarschema file in ${dir}`);
  return { schemaFile, policyFiles: files.filter((f) => f.endsWith('.cedar')) };
}

/** A digest of every file name and content a policy set is built from. */
function sourceDigest(files: string[], read: (file: string) => string): string {
  return sha256Hex(files.map((f) => `${f}\n${read(f)}`).join('\n\u0000'));
}

const messages = (errors: { message: string; help?: string | null }[]): string =>
  errors.map((e) => `${e.message}${e.help ? ` (${e.help})` : ''}`).join('; ');

/** Splits policy text into single policies and reads their `@id` and `@reason` annotations. */
function parsePolicies(file: string, text: string): LoadedPolicy[] {
  const parts = cedarModule().policySetTextToParts(text);
  if (parts.type === 'failure') throw new GovernanceConfigError(`${file}: ${messages(parts.errors)}`);
  return parts.policies.map((policyText) => {
    const json = cedarModule().policyToJson(policyText);
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

  /**
   * `validated`: this Cedar version already validated exactly these policies against this schema (the record
   * written with the layer), so the strict validation, most of the engine's start-up cost, is not repeated.
   */
  constructor(schema: string, policies: LoadedPolicy[], options: { validated?: boolean } = {}) {
    this.byId = new Map();
    for (const policy of policies) {
      if (this.byId.has(policy.id)) throw new GovernanceConfigError(`duplicate Cedar policy id '${policy.id}'`);
      this.byId.set(policy.id, policy);
    }
    this.staticPolicies = Object.fromEntries(policies.map((p) => [p.id, p.text]));
    if (!options.validated) this.validate(schema);
    this.version = sha256Hex([schema, ...policies.map((p) => p.text)].join('\n')).slice(0, 16);
    // Parsing the schema and policies once, not per question, makes a decision take well under a millisecond.
    const preparsedSchema = cedarModule().preparseSchema(this.version, schema);
    const preparsedPolicies = cedarModule().preparsePolicySet(this.version, { staticPolicies: this.staticPolicies });
    if (preparsedSchema.type === 'failure' || preparsedPolicies.type === 'failure') {
      throw new GovernanceConfigError('Cedar could not pre-parse the schema or policy set');
    }
  }

  private validate(schema: string): void {
    const schemaCheck = cedarModule().checkParseSchema(schema);
    if (schemaCheck.type === 'failure') {
      throw new GovernanceConfigError(`Cedar schema: ${messages(schemaCheck.errors)}`);
    }
    const validation = cedarModule().validate({
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
  }

  /**
   * Loads `*.cedarschema` and `*.cedar` from a directory. When the directory holds a {@link VALIDATED_POLICIES_FILE}
   * for exactly these files and this Cedar version, its split policies are used and validation is skipped;
   * otherwise every policy is parsed and the set validated here.
   */
  static fromDirectory(dir: string): CedarPolicyEngine {
    const { schemaFile, policyFiles } = policySources(dir);
    const texts = new Map<string, string>();
    const read = (file: string) => {
      let text = texts.get(file);
      if (text === undefined) {
        text = readFileSync(join(dir, file), 'utf8');
        texts.set(file, text);
      }
      return text;
    };
    const schema = read(schemaFile);
    const record = join(dir, VALIDATED_POLICIES_FILE);
    if (existsSync(record)) {
      const validated = JSON.parse(readFileSync(record, 'utf8')) as ValidatedPolicies;
      if (
        validated.cedarVersion === cedarModule().getCedarVersion() &&
        validated.sourceSha256 === sourceDigest([schemaFile, ...policyFiles], read) &&
        validated.policies.length > 0
      ) {
        return new CedarPolicyEngine(schema, validated.policies, { validated: true });
      }
    }
    const policies = policyFiles.flatMap((f) => parsePolicies(f, read(f)));
    if (policies.length === 0) throw new GovernanceConfigError(`no *.cedar policies in ${dir}`);
    return new CedarPolicyEngine(schema, policies);
  }

  /**
   * Validates the policies of `dir` in full (throws as {@link fromDirectory} does) and writes the
   * {@link VALIDATED_POLICIES_FILE} for them into `outDir`, so engines started from a copy of `dir` that includes
   * it skip validation. Run when the Lambda layer is built.
   */
  static recordValidation(dir: string, outDir: string = dir): void {
    const { schemaFile, policyFiles } = policySources(dir);
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    const policies = policyFiles.flatMap((f) => parsePolicies(f, read(f)));
    if (policies.length === 0) throw new GovernanceConfigError(`no *.cedar policies in ${dir}`);
    new CedarPolicyEngine(read(schemaFile), policies);
    const record: ValidatedPolicies = {
      cedarVersion: cedarModule().getCedarVersion(),
      sourceSha256: sourceDigest([schemaFile, ...policyFiles], read),
      policies,
    };
    writeFileSync(join(outDir, VALIDATED_POLICIES_FILE), `${JSON.stringify(record, null, 1)}\n`);
  }

  /** The text of one policy (shown to approvers and in audit reports). */
  policyText(id: string): string | undefined {
    return this.byId.get(id)?.text;
  }

  authorize(request: PolicyRequest): PolicyDecision {
    const answer = cedarModule().statefulIsAuthorized({
      principal: request.principal,
      action: { type: `${NAMESPACE}::Action`, id: request.action },
      resource: request.resource,
      context: request.context as Record<string, CedarValueJson>,
      preparsedSchemaName: this.version,
      validateRequest: true,
      preparsedPolicySetId: this.version,
      entities: request.entities.map((entity) => ({
        uid: entity.uid,
        attrs: entity.attrs as Record<string, CedarValueJson>,
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
