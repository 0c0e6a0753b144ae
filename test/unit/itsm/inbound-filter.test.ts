import type { Signal } from '../../../lambdas/core/incident';
import { dropReason, filterInbound } from '../../../lambdas/itsm/inbound-filter';

const ticket = (title: string, description = '', extra: Partial<Signal> = {}) =>
  ({
    kind: 'ticket',
    action: 'create',
    title,
    description,
    labels: {},
    reporter: 'ana.lima@example.com',
    ...extra,
  }) as Signal;

describe('inbound filter', () => {
  it.each([
    [
      'Automatic reply: Re: [HELP-7] Please reset my password',
      'I am out of the office until Monday 24 November with limited access to e-mail.',
      'out-of-office',
    ],
    ['Out of Office: Ana Lima', 'Thank you for your message.', 'out-of-office'],
    ['Abwesenheitsnotiz: Ihr Ticket', 'Ich bin bis 1.12. nicht im Büro.', 'out-of-office'],
    [
      'Re: your ticket',
      "I'm on annual leave until 2 December and will respond to your email when I return. For urgent matters contact the service desk.",
      'out-of-office',
    ],
    ['Auto-Reply: Ticket received', 'We have received your message.', 'auto-reply'],
    ['Undeliverable: Your request #4711', 'Delivery has failed to these recipients', 'auto-reply'],
    ['Delivery Status Notification (Failure)', '', 'auto-reply'],
    [
      'Increase your traffic today',
      'Our SEO services get you guest posts and backlinks. Click here to unsubscribe from this list.',
      'spam',
    ],
    ['CONGRATULATIONS YOU HAVE WON', 'Claim your prize of $1,000,000 now', 'spam'],
  ])('drops "%s"', (title, body, category) => {
    const verdict = filterInbound(ticket(title, body));
    expect(verdict).toMatchObject({ keep: false, category });
    if (!verdict.keep)
      expect(dropReason(verdict)).toMatch(new RegExp(`^dropped by the inbound filter as ${category}: `));
  });

  it.each([
    [
      'VPN drops while I am on vacation in Spain',
      'I am on vacation until Monday and the VPN fails every 5 minutes, please help.',
    ],
    ['Lottery app crashes on start', 'The lottery results page crashes since the release.'],
    ['Casino platform down for all players', 'Revenue impact about $50,000 per hour.'],
    ['PROBLEM: Host web-01 is DOWN', 'This is an automated message from Nagios. Host web-01 is DOWN.'],
    ['Please install Zoom', 'I need Zoom for customer calls.'],
  ])('keeps "%s"', (title, body) => {
    expect(filterInbound(ticket(title, body))).toEqual({ keep: true });
  });

  it('drops mail robots and tickets tagged as automatic replies', () => {
    expect(filterInbound(ticket('Message', 'x', { reporter: 'MAILER-DAEMON@acme.com' }))).toMatchObject({
      category: 'auto-reply',
    });
    expect(filterInbound(ticket('Message', 'x', { labels: { tags: 'autoreply,email' } }))).toMatchObject({
      category: 'auto-reply',
    });
  });

  it('judges an update by its new comment, so an out-of-office reply to Lumos is not a change', () => {
    const update = ticket('Please reset my password', 'Locked out since Monday', {
      action: 'update',
      changeNote: "Automatic reply: I'm out of the office until Friday.",
    });
    expect(filterInbound(update)).toMatchObject({ keep: false, category: 'out-of-office' });
  });

  it('never drops alerts or recoveries', () => {
    expect(filterInbound({ ...ticket('Automatic reply: x'), kind: 'alert' })).toEqual({ keep: true });
    expect(filterInbound({ ...ticket('Out of office'), action: 'resolve' })).toEqual({ keep: true });
  });
});

describe('inbound filter on comments', () => {
  it('drops an automatic reply that arrives as a comment', () => {
    const update = {
      kind: 'ticket',
      action: 'update',
      title: 'VPN drops',
      description: 'x',
      labels: {},
      changeNote: 'Automatic reply: Thank you, we received your e-mail.',
    } as Signal;
    expect(filterInbound(update)).toMatchObject({ keep: false, category: 'auto-reply' });
  });
});
