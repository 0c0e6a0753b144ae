/** The `token` of an approval link (review or decision URL), or the text itself when it already is a token. */
export function tokenFromLink(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const url = new URL(trimmed);
    return url.searchParams.get('token') ?? new URLSearchParams(url.hash.split('?')[1] ?? '').get('token') ?? undefined;
  } catch {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(trimmed) ? trimmed : undefined;
  }
}
