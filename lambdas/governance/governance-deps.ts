import type { APIGatewayProxyEvent } from 'aws-lambda';
import { approvalStore } from '../runtime/ports/approval-store';
import { auditTrail } from '../runtime/ports/audit-trail';
import { clock } from '../runtime/ports/clock';
import { incidentStore } from '../runtime/ports/incident-store';
import { scheduler } from '../runtime/ports/scheduler';
import type { GateDeps } from './approvals/approval-service';
import { governancePolicy } from './policy/governance-policy';

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

/** The approval gate's ports that every use of it needs; notifier, link keys and task callbacks come separately. */
export type GatePorts = Omit<GateDeps, 'notifier' | 'linkKeys'>;

/**
 * Resolves the approval gate's common ports, each on first use: a function only needs the configuration of the
 * ports its path really touches. Add the rest with {@link withPorts} and the modules under `approvals/`, so each
 * function bundles (and is checked for the access of) only what it uses.
 */
export function gatePorts(event?: Pick<APIGatewayProxyEvent, 'requestContext' | 'headers'>): GatePorts {
  return {
    get approvals() {
      return approvalStore();
    },
    get store() {
      return incidentStore();
    },
    get audit() {
      return auditTrail();
    },
    get scheduler() {
      return scheduler();
    },
    get clock() {
      return clock();
    },
    get policy() {
      return governancePolicy();
    },
    baseUrl: publicBaseUrl(event),
  };
}

/** `base` with more ports, each resolved on first use. */
export function withPorts<B extends object, P extends Record<string, () => unknown>>(
  base: B,
  ports: P,
): B & { readonly [K in keyof P]: ReturnType<P[K]> } {
  for (const [name, resolve] of Object.entries(ports)) {
    Object.defineProperty(base, name, { get: resolve, enumerable: true });
  }
  return base as B & { readonly [K in keyof P]: ReturnType<P[K]> };
}
