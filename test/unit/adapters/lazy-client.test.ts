import { lazyClient } from '../../../lambdas/adapters/aws/lazy-client';

describe('a client built on first use', () => {
  it('is not built until someone asks for it, then built once for every later caller', async () => {
    let built = 0;
    const client = lazyClient<{ id: number }>(undefined, async () => ({ id: ++built }));
    expect(built).toBe(0);
    const [first, second] = await Promise.all([client(), client()]);
    expect(await client()).toBe(first);
    expect(second).toBe(first);
    expect(built).toBe(1);
  });

  it('tries again after a failed build instead of failing every later call', async () => {
    let attempts = 0;
    const client = lazyClient<string>(undefined, async () => {
      attempts++;
      if (attempts === 1) throw new Error('package not loadable yet');
      return 'client';
    });
    await expect(client()).rejects.toThrow('package not loadable yet');
    await expect(client()).resolves.toBe('client');
    expect(attempts).toBe(2);
  });

  it('uses a client it was given and never builds one', async () => {
    const given = { id: 'given' };
    const client = lazyClient(given, async () => {
      throw new Error('must not build');
    });
    await expect(client()).resolves.toBe(given);
  });
});
