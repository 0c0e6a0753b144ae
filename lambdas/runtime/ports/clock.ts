import { type Clock, systemClock } from '../../ports/clock';
import { definePort } from '../dependencies';

/** The clock: the system clock unless a test or the local runtime provides another. */
export const clock = definePort<Clock>('clock', { access: [], env: [] }, () => systemClock);
