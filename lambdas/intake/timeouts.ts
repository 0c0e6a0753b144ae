import type { MiddlewareObj } from '@middy/core';
import { DeliveryDeferredError } from './intake-errors';

/**
 * Maps middy's early timeout (the invocation ran out of the function's time, e.g. under a storm locally) to a 503:
 * the sender retries, and idempotency turns the retry into the completion of whatever the first attempt left.
 * Use it after the error-mapping middleware so its `onError` runs first.
 */
export function deferTimeouts<E, R>(): MiddlewareObj<E, R> {
  return {
    onError: async (request) => {
      if (request.error?.name === 'TimeoutError') {
        request.error = new DeliveryDeferredError('intake ran out of time before it finished; retry the delivery');
      }
    },
  };
}
