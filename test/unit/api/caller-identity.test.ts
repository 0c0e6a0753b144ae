import type { APIGatewayProxyEvent } from 'aws-lambda';
import { actingPerson, authenticatedName } from '../../../lambdas/api/caller-identity';

function event(requestContext: unknown): Pick<APIGatewayProxyEvent, 'requestContext'> {
  return { requestContext } as Pick<APIGatewayProxyEvent, 'requestContext'>;
}

describe('the identity API Gateway authenticated', () => {
  it('is the session name of an assumed role (IAM Identity Center names it after the user)', () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Approvers_0a1b2c/Alice@Example.com';
    expect(authenticatedName(event({ identity: { userArn: arn } }))).toBe('alice@example.com');
  });

  it("is an IAM user's name, whatever its path", () => {
    const arn = 'arn:aws:iam::123456789012:user/ops/bob@example.com';
    expect(authenticatedName(event({ identity: { userArn: arn } }))).toBe('bob@example.com');
  });

  it('is the Cognito e-mail claim when a user pool authorized the call', () => {
    expect(authenticatedName(event({ authorizer: { claims: { email: 'Carol@example.com' } } }))).toBe(
      'carol@example.com',
    );
  });

  it('is absent when nothing authenticated the call', () => {
    expect(authenticatedName(event({}))).toBeUndefined();
    expect(authenticatedName(event({ identity: { userArn: null } }))).toBeUndefined();
    expect(authenticatedName(event(undefined))).toBeUndefined();
  });
});

describe('the person acting', () => {
  const alice = event({
    identity: { userArn: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Approvers_0a1b2c/alice@example.com' },
  });

  it('is the authenticated identity, stated or not', () => {
    expect(actingPerson(alice, undefined)).toBe('alice@example.com');
    expect(actingPerson(alice, ' ALICE@example.com ')).toBe('alice@example.com');
  });

  it('cannot be somebody else than the authenticated identity', () => {
    expect(() => actingPerson(alice, 'dave@example.com')).toThrow(
      expect.objectContaining({ statusCode: 403, code: 'not_your_identity' }),
    );
  });

  it('is the stated name when nothing authenticated the call', () => {
    expect(actingPerson(event({}), 'Erin@example.com')).toBe('erin@example.com');
    expect(actingPerson(event({}), undefined)).toBeUndefined();
  });
});
