import { BadRequestError } from '../shared/errors';

/** Longest window `GET /metrics/summary` answers for. */
export const MAX_WINDOW_DAYS = 366;
export const DEFAULT_WINDOW_DAYS = 30;

/**
 * The window of `GET /metrics/summary` from its query: `from`/`to` (ISO 8601) or `days` back from `to` (default
 * now); 30 days by default. Bad values are a 400 naming the parameter.
 */
export function summaryWindow(query: Record<string, string | undefined>, now: Date): { from: Date; to: Date } {
  const date = (name: 'from' | 'to'): Date | undefined => {
    const raw = query[name];
    if (raw === undefined || raw === '') return undefined;
    const parsed = new Date(raw);
    if (Number.isNaN(parsed.getTime()))
      throw new BadRequestError(`${name} must be an ISO 8601 date or time`, 'invalid_query', name);
    return parsed;
  };
  const to = date('to') ?? now;
  let from = date('from');
  if (query.days !== undefined && query.days !== '') {
    const days = Number(query.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
      throw new BadRequestError(`days must be an integer from 1 to ${MAX_WINDOW_DAYS}`, 'invalid_query', 'days');
    }
    if (from) throw new BadRequestError('give either days or from, not both', 'invalid_query', 'days');
    from = new Date(to.getTime() - days * 86_400_000);
  }
  from ??= new Date(to.getTime() - DEFAULT_WINDOW_DAYS * 86_400_000);
  if (from.getTime() >= to.getTime()) throw new BadRequestError('from must be before to', 'invalid_query', 'from');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
    throw new BadRequestError(`the window may span at most ${MAX_WINDOW_DAYS} days`, 'invalid_query', 'from');
  }
  return { from, to };
}
