import { dependency } from '../runtime/dependencies';
import type { ApprovalDeps } from './approvals/approval-service';
import { governancePolicy } from './policy/governance-policy';

/** Link keys from the approval-link secret: the current key first, the previous one during a rotation. */
async function linkKeys(): Promise<string[]> {
  const secrets = dependency('approvalLinkKeys');
  const [current, previous] = await Promise.all([secrets.get('signingKey'), secrets.get('previousSigningKey')]);
  return [current, previous].filter((k, i, all): k is string => !!k && all.indexOf(k) === i);
}

/** The public base URL links point at (the API stage URL in AWS, the local API locally). */
export const publicBaseUrl = (): string => (process.env.PUBLIC_BASE_URL ?? '').replace(/\/$/, '');

/** Resolves everything the approval gate needs from the runtime's ports. */
export function approvalDeps(): ApprovalDeps {
  return {
    approvals: dependency('approvals'),
    store: dependency('store'),
    workflow: dependency('workflow'),
    notifier: dependency('notifier'),
    audit: dependency('audit'),
    scheduler: dependency('scheduler'),
    clock: dependency('clock'),
    policy: governancePolicy(),
    linkKeys,
    baseUrl: publicBaseUrl(),
  };
}
