/** A console route: which view, which item, and the query of the fragment. */
export interface Route {
  name: 'incidents' | 'incident' | 'approvals' | 'metrics';
  id?: string;
  params: URLSearchParams;
}

/** `#/incidents/inc-1?x=y` -> route. Unknown paths show the queue. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (segments[0] === 'incidents' && segments[1]) return { name: 'incident', id: segments[1], params };
  if (segments[0] === 'approvals') return { name: 'approvals', id: segments[1], params };
  if (segments[0] === 'metrics') return { name: 'metrics', params };
  return { name: 'incidents', params };
}
