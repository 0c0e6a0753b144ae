import { Api } from './api';
import { type Session, startSession } from './auth';
import { type ConsoleConfig, loadConfig } from './config';
import { announce, h, replace } from './dom';
import { parseRoute } from './main-routes';
import { installShortcuts } from './shortcuts';
import type { AppContext, View } from './view';
import { approvalsView } from './views/approvals';
import { incidentView } from './views/incident';
import { metricsView } from './views/metrics';
import { queueView } from './views/queue';
import { tickClocks } from './widgets';

const REFRESH_MS = 5000;

function identityWidget(session: Session, onChange: () => void): HTMLElement {
  if (session.kind === 'cognito') {
    return h(
      'span',
      {},
      'Signed in as ',
      h('strong', {}, session.identity() ?? '?'),
      ' ',
      h('button', { type: 'button', class: 'ghost', onclick: () => session.signOut?.() }, 'Sign out'),
    );
  }
  return h(
    'form',
    {
      class: 'identity-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const input = (event.target as HTMLFormElement).elements.namedItem('identity') as HTMLInputElement;
        session.setIdentity?.(input.value);
        announce(input.value ? `You are ${input.value}` : 'Identity cleared');
        onChange();
      },
    },
    h('label', { for: 'identity-input' }, 'You are'),
    h('input', {
      id: 'identity-input',
      name: 'identity',
      type: 'email',
      value: session.identity() ?? '',
      placeholder: 'your e-mail',
      autocomplete: 'email',
      size: 22,
    }),
    h('button', { type: 'submit', class: 'ghost' }, 'Set'),
  );
}

async function updateApprovalCount(api: Api): Promise<void> {
  const badge = document.getElementById('approval-count');
  if (!badge) return;
  try {
    const pending = await api.optional<{ approvals: unknown[] }>('/approvals?status=pending');
    const count = pending?.approvals.length ?? 0;
    badge.hidden = count === 0;
    badge.textContent = String(count);
    badge.setAttribute('aria-label', `${count} pending`);
  } catch {
    badge.hidden = true;
  }
}

async function start(): Promise<void> {
  const config: ConsoleConfig = await loadConfig();
  const main = document.getElementById('main')!;
  let session: Session | undefined;
  try {
    session = await startSession(config);
  } catch (error) {
    replace(
      main,
      h('h1', {}, 'Sign-in failed'),
      h('p', { role: 'alert' }, String((error as Error).message)),
      h('p', {}, h('a', { href: '/console/' }, 'Try again')),
    );
    return;
  }
  if (!session) return;
  const api = new Api(config.apiBase, session);
  let current: View | undefined;
  let generation = 0;

  const navigate = (hash: string) => {
    if (location.hash === hash) void show(true);
    else location.hash = hash;
  };

  async function show(focus: boolean): Promise<void> {
    const route = parseRoute(location.hash);
    const mine = ++generation;
    current?.dispose?.();
    current = undefined;
    for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
      const active = link.dataset.nav === route.name || (route.name === 'incident' && link.dataset.nav === 'incidents');
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    const ctx: AppContext = { api, session: session!, config, params: route.params, navigate };
    let view: View;
    try {
      view =
        route.name === 'incident'
          ? await incidentView(ctx, route.id!)
          : route.name === 'approvals'
            ? await approvalsView(ctx, route.id)
            : route.name === 'metrics'
              ? await metricsView(ctx)
              : await queueView(ctx);
    } catch (error) {
      view = {
        title: 'Error',
        element: h(
          'div',
          { class: 'view' },
          h('h1', { tabindex: '-1' }, 'Something went wrong'),
          h('p', { role: 'alert' }, String(error)),
        ),
      };
    }
    if (mine !== generation) return view.dispose?.();
    current = view;
    document.title = `${view.title} · Lumos`;
    replace(main, view.element);
    if (focus) main.querySelector<HTMLElement>('h1')?.focus();
    announce(`${view.title} loaded`);
  }

  // The skip link must not touch the fragment: the fragment is the console's route.
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  replace(
    document.getElementById('identity')!,
    identityWidget(session, () => void show(false)),
  );
  const help = document.getElementById('help') as HTMLDialogElement;
  document.getElementById('help-button')!.addEventListener('click', () => help.showModal());
  installShortcuts({
    go: (name) => navigate(`#/${name}`),
    refresh: () => {
      void current?.refresh?.();
      announce('Refreshed');
    },
    up: () => {
      const route = parseRoute(location.hash);
      if (route.name === 'incident') navigate('#/incidents');
      else if (route.name === 'approvals' && route.id) navigate('#/approvals');
    },
    help: () => help.showModal(),
  });
  window.addEventListener('hashchange', () => void show(true));
  setInterval(() => tickClocks(), 1000);
  setInterval(() => {
    if (document.visibilityState !== 'visible') return;
    void current?.refresh?.().catch(() => undefined);
    void updateApprovalCount(api);
  }, REFRESH_MS);
  void updateApprovalCount(api);
  await show(false);
}

void start();
