/** What the shortcuts do; the app supplies the actions. */
export interface ShortcutActions {
  go(view: 'incidents' | 'approvals' | 'metrics'): void;
  refresh(): void;
  up(): void;
  help(): void;
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** Moves focus to the next or previous list item of the current view (rows, cards). */
function moveFocus(step: 1 | -1): void {
  const items = [...document.querySelectorAll<HTMLElement>('main [data-nav-item]')];
  if (items.length === 0) return;
  const current = items.indexOf(document.activeElement as HTMLElement);
  const next =
    items[
      current === -1 ? (step === 1 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, current + step))
    ]!;
  next.focus();
  next.scrollIntoView({ block: 'nearest' });
}

/**
 * Single-key shortcuts in the style of mail and issue trackers (`g i`, `j`/`k`, `/`, `?`). They never fire while
 * the operator types in a field or holds a modifier, so they cannot get in the way of text entry or the browser.
 */
export function installShortcuts(actions: ShortcutActions): void {
  let pendingG = 0;
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (document.querySelector('dialog[open]')) return;
    const key = event.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      const view = ({ i: 'incidents', a: 'approvals', m: 'metrics' } as const)[key as 'i' | 'a' | 'm'];
      if (view) {
        event.preventDefault();
        actions.go(view);
        return;
      }
    }
    switch (key) {
      case 'g':
        pendingG = Date.now();
        return;
      case 'j':
        moveFocus(1);
        break;
      case 'k':
        moveFocus(-1);
        break;
      case '/': {
        const filter = document.querySelector<HTMLElement>('main [data-filter]');
        if (!filter) return;
        filter.focus();
        break;
      }
      case 'r':
        actions.refresh();
        break;
      case 'u':
        actions.up();
        break;
      case '?':
        actions.help();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}
