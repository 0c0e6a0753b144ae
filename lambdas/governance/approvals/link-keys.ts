import { approvalLinkKeys } from '../../runtime/ports/approval-link-keys';

/** Link keys from the approval-link secret: the current key first, the previous one during a rotation. */
export async function linkKeys(): Promise<string[]> {
  const secrets = approvalLinkKeys();
  const [current, previous] = await Promise.all([secrets.get('signingKey'), secrets.get('previousSigningKey')]);
  return [current, previous].filter((k, i, all): k is string => !!k && all.indexOf(k) === i);
}
