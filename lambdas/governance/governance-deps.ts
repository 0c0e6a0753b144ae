import type { APIGatewayProxyEvent } from 'aws-lambda';
import { StepFunctionsWorkflow } from '../adapters/aws/sfn-workflow';
import type { Workflow } from '../ports/workflow';
import { dependency } from '../runtime/dependencies';
import type { ApprovalDeps } from './approvals/approval-service';
import { governancePolicy } from './policy/governance-policy';

/** Link keys from the approval-link secret: the current key first, the previous one during a rotation. */
async function linkKeys(): Promise<string[]> {
  const secrets = dependency('approvalLinkKeys');
  const [current, previous] = await Promise.all([secrets.get('signingKey'), secrets.get('previousSigningKey')]);
  return [current, previous].filter((k, i, all): k is string => !!k && all.indexOf(k) === i);
}

/**
 * The public base URL links point at: `PUBLIC_BASE_URL` (the stack sets it for functions outside the API), else
 * the URL the request itself came in on (an API function cannot be given its own stage URL without a cycle).
 */
export function publicBaseUrl(event?: Pick<APIGatewayProxyEvent, 'requestContext' | 'headers'>): string {
  const configured = process.env.PUBLIC_BASE_URL;
  if (configured) return configured.replace(/\/$/, '');
  const domain = event?.requestContext?.domainName;
  const stage = event?.requestContext?.stage;
  if (!domain) return '';
  // The default execute-api host addresses stages by path; a custom domain maps them itself.
  return `https://${domain}${domain.includes('.execute-api.') && stage ? `/${stage}` : ''}`;
}

let callbacksOnly: Workflow | undefined;

/**
 * The workflow port for task callbacks. SendTaskSuccess/Heartbeat address the task by its token alone, so where the
 * stack cannot give a function the state machine ARN (the timer: it would close a dependency cycle), a client
 * without it serves.
 */
function callbackWorkflow(): Workflow {
  try {
    return dependency('workflow');
  } catch (error) {
    if (process.env.STATE_MACHINE_ARN) throw error;
    callbacksOnly ??= new StepFunctionsWorkflow('arn:aws:states:::stateMachine:callbacks-only');
    return callbacksOnly;
  }
}

/**
 * Resolves what the approval gate needs from the runtime's ports, each on first use: a function only needs the
 * configuration of the ports its path really touches.
 */
export function approvalDeps(event?: Pick<APIGatewayProxyEvent, 'requestContext' | 'headers'>): ApprovalDeps {
  return {
    get approvals() {
      return dependency('approvals');
    },
    get store() {
      return dependency('store');
    },
    get workflow() {
      return callbackWorkflow();
    },
    get notifier() {
      return dependency('notifier');
    },
    get audit() {
      return dependency('audit');
    },
    get scheduler() {
      return dependency('scheduler');
    },
    get clock() {
      return dependency('clock');
    },
    get policy() {
      return governancePolicy();
    },
    linkKeys,
    baseUrl: publicBaseUrl(event),
  };
}
