import * as z from 'zod';
import { RiskTier } from '../governance-config';
import { FailureMode } from './failure-modes';

const HttpAction = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
});

const CommandAction = z.object({ argv: z.array(z.string().min(1)).min(1) });

/** The local stand-in of an AWS-only action: an HTTP call or a sandboxed command. */
const LocalAlternative = z.union([z.object({ http: HttpAction }), z.object({ command: CommandAction })]);

const SsmAutomationAction = z.object({
  documentName: z.string().min(1),
  parameters: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  local: LocalAlternative.optional(),
});

const LambdaAction = z.object({
  functionName: z.string().min(1),
  payload: z.unknown().default({}),
  local: LocalAlternative.optional(),
});

/** Exactly one executor per step. */
const ActionSpec = z.union([
  z.object({ http: HttpAction }),
  z.object({ ssmAutomation: SsmAutomationAction }),
  z.object({ lambda: LambdaAction }),
  z.object({ command: CommandAction }),
]);
export type ActionSpec = z.infer<typeof ActionSpec>;

/** What a step's or check's result must look like to count as success. */
const Expectation = z
  .object({
    /** Success statuses (HTTP status, exit code, SSM status); default: 2xx / exit 0 / Success. */
    status: z.array(z.union([z.number(), z.string()])).optional(),
    /** Statuses that count as failure (for checks like "the service is unhealthy"). */
    statusNot: z.array(z.union([z.number(), z.string()])).optional(),
    /** The output must contain this text. */
    contains: z.string().optional(),
    /**
     * A field of the JSON body (dotted path): `equals` a value, `exists` (present and not null, or absent), for a
     * list `includes` a value, for a number is `below` a limit or `atLeast` one. Strings may hold `{{parameter}}`
     * templates (`{{n|number}}` for a number).
     */
    json: z
      .object({
        path: z.string().min(1),
        equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
        exists: z.boolean().optional(),
        includes: z.union([z.string(), z.number(), z.boolean()]).optional(),
        /** A number strictly below this (or a `{{n|number}}` template). */
        below: z.union([z.number(), z.string()]).optional(),
        /** A number at least this (or a `{{n|number}}` template): "there is work to do" in a precondition. */
        atLeast: z.union([z.number(), z.string()]).optional(),
      })
      .refine(
        (j) =>
          j.equals !== undefined ||
          j.exists !== undefined ||
          j.includes !== undefined ||
          j.below !== undefined ||
          j.atLeast !== undefined,
        { message: 'a json expectation needs equals, exists, includes, below or atLeast' },
      )
      .optional(),
  })
  .default({});
export type Expectation = z.infer<typeof Expectation>;

const common = {
  name: z.string().min(1),
  timeoutSeconds: z.number().int().positive().max(900).default(30),
  expect: Expectation,
};

const Step = z.intersection(z.object({ ...common, risk: RiskTier.default('medium') }), ActionSpec);
export type RunbookStep = z.infer<typeof Step>;

const Check = z.intersection(
  z.object({
    ...common,
    /** Checks may poll: a service takes a moment to come back. */
    attempts: z.number().int().min(1).max(60).default(1),
    intervalSeconds: z.number().min(0).max(300).default(2),
  }),
  ActionSpec,
);
export type RunbookCheck = z.infer<typeof Check>;

/**
 * A parameter. Its value comes from the incident, from the service's configured targets or a default, never from
 * ticket text, and must match `pattern`, so nothing typed into a ticket reaches a URL or a command.
 */
const Parameter = z.object({
  description: z.string().default(''),
  /** `incident.service`, `incident.externalId`, `incident.incidentId`, `incident.priority`, `target.<key>`. */
  from: z
    .string()
    .regex(/^(incident\.(service|externalId|incidentId|priority)|target\.[A-Za-z0-9_-]+)$/)
    .optional(),
  default: z.string().optional(),
  /** Anchored (`^...$`), so a value can only be what the pattern describes. */
  pattern: z.string().regex(/^\^.*\$$/, 'patterns must be anchored: ^...$'),
  required: z.boolean().default(true),
});
export type RunbookParameter = z.infer<typeof Parameter>;

/** One step of an SSM Automation document (schemaVersion 0.3 `mainSteps`), as SSM takes it. */
const AutomationStep = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_]{1,100}$/),
    action: z.enum(['aws:executeAwsApi', 'aws:waitForAwsResourceProperty', 'aws:executeScript', 'aws:runCommand']),
    inputs: z.record(z.string(), z.unknown()),
    outputs: z
      .array(
        z.object({
          Name: z.string().min(1),
          Selector: z.string().min(1),
          Type: z.enum(['String', 'Integer', 'Boolean', 'StringList', 'StringMap', 'MapList']),
        }),
      )
      .optional(),
    timeoutSeconds: z.number().int().positive().optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
  })
  .strict();
export type AutomationStep = z.infer<typeof AutomationStep>;

/**
 * The AWS executor of `ssmAutomation` steps: the SSM Automation document the stack creates under this name, with the
 * IAM its steps need. Its parameters are the ones the runbooks pass (with their patterns); `parameters` here only
 * adds a type or a pattern for values a runbook writes literally.
 */
export const AutomationDocumentSpec = z
  .object({
    description: z.string().min(1),
    parameters: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/),
        z
          .object({
            type: z.enum(['String', 'Integer', 'Boolean', 'StringList']).default('String'),
            allowedPattern: z
              .string()
              .regex(/^\^.*\$$/, 'patterns must be anchored: ^...$')
              .optional(),
            description: z.string().optional(),
          })
          .strict(),
      )
      .default({}),
    steps: z.array(AutomationStep).min(1),
    /**
     * What the automation role may do for these steps: IAM actions on resources (`${AWS::Partition}`,
     * `${AWS::Region}`, `${AWS::AccountId}` are filled in at deploy time).
     */
    permissions: z
      .array(
        z
          .object({
            actions: z.array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/)).min(1),
            resources: z.array(z.string().min(1)).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type AutomationDocumentSpec = z.infer<typeof AutomationDocumentSpec>;

/** `{{name}}` or `{{name|number}}` / `{{name|boolean}}` (typed, for JSON bodies and expectations). */
export const TEMPLATE = /\{\{\s*([A-Za-z0-9_]+)\s*(?:\|\s*(number|boolean)\s*)?\}\}/g;

/** A runbook as code: `runbooks/<id>.yaml`. */
export const Runbook = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    description: z.string().default(''),
    /** The runbook's risk; at least its riskiest step's. */
    risk: RiskTier.optional(),
    /** When the planner proposes it. */
    match: z
      .object({
        categories: z.array(z.string()).default([]),
        services: z.array(z.string()).default([]),
        keywords: z.array(z.string()).default([]),
      })
      .default({ categories: [], services: [], keywords: [] }),
    /**
     * The failure modes (as the diagnosis names them) this runbook fixes: the plan maps a diagnosis to runbooks by
     * this list. Service requests (password resets, access) fix none.
     */
    remediates: z.array(FailureMode).default([]),
    parameters: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), Parameter).default({}),
    preconditions: z.array(Check).default([]),
    steps: z.array(Step).min(1),
    postChecks: z.array(Check).default([]),
    rollback: z.array(Step).default([]),
    /** SSM Automation documents (`Lumos-*`) this runbook defines; its steps and other runbooks may run them. */
    automations: z.record(z.string().regex(/^Lumos-[A-Za-z0-9]{1,100}$/), AutomationDocumentSpec).default({}),
  })
  .superRefine((runbook, ctx) => {
    const known = new Set([...Object.keys(runbook.parameters), 'incidentId']);
    const text = JSON.stringify([runbook.preconditions, runbook.steps, runbook.postChecks, runbook.rollback]);
    for (const match of text.matchAll(TEMPLATE)) {
      if (!known.has(match[1]!)) {
        ctx.addIssue({ code: 'custom', message: `uses undeclared parameter '{{${match[1]}}}'`, path: ['parameters'] });
      }
    }
  });
export type Runbook = z.infer<typeof Runbook>;
