import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError } from '../governance/governance-errors';

/**
 * The name API Gateway authenticated the caller under, when it did: the Cognito e-mail claim, or for IAM
 * authorization the session name of an assumed role (IAM Identity Center names the session after the user) or the
 * IAM user's name. Undefined when the request carries no authenticated identity.
 */
export function authenticatedName(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string | undefined {
  const context = event.requestContext as Partial<APIGatewayProxyEvent['requestContext']> | undefined;
  const claims = (context?.authorizer as { claims?: { email?: unknown } } | null | undefined)?.claims;
  if (typeof claims?.email === 'string' && claims.email.trim()) return claims.email.trim().toLowerCase();
  const arn = context?.identity?.userArn;
  if (typeof arn !== 'string' || !arn) return undefined;
  const assumed = /^arn:[\w-]+:sts::\d+:assumed-role\/[^/]+\/(.+)$/.exec(arn);
  if (assumed?.[1]) return assumed[1].toLowerCase();
  const user = /^arn:[\w-]+:iam::\d+:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return user?.[1]?.toLowerCase();
}

/**
 * Who is acting: the authenticated name when there is one (a different name in the body is refused, so nobody can
 * act in another person's name), otherwise the name the body states.
 */
export function actingPerson(event: Pick<APIGatewayProxyEvent, 'requestContext'>, stated: string | undefined) {
  const authenticated = authenticatedName(event);
  if (authenticated === undefined) return stated?.trim().toLowerCase();
  if (stated !== undefined && stated.trim().toLowerCase() !== authenticated)
    throw new ForbiddenError(
      `approver ${stated.trim()} is not the signed-in identity (${authenticated}); you can only act in your own name`,
      'not_your_identity',
    );
  return authenticated;
}
