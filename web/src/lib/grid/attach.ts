/**
 * Small DOM behaviours as Svelte attachments (`{@attach ...}`).
 */

/** Calls `callback` on a pointer press outside the element (and outside `also`, such as the trigger). */
export function outside(callback: () => void, also?: () => Element | null | undefined) {
  return (node: HTMLElement) => {
    const press = (event: PointerEvent) => {
      const target = event.target as Node | null;
      if (!target || node.contains(target) || also?.()?.contains(target)) return;
      callback();
    };
    document.addEventListener('pointerdown', press, true);
    return () => document.removeEventListener('pointerdown', press, true);
  };
}

/** Focuses the element once it is in the document. */
export function autofocus(node: HTMLElement) {
  queueMicrotask(() => node.focus());
}

/** Fixed-position coordinates just below an element, kept inside the window. */
export function below(anchor: Element, width: number): { top: number; left: number } {
  const rect = anchor.getBoundingClientRect();
  return {
    top: Math.round(rect.bottom + 4),
    left: Math.round(Math.max(8, Math.min(rect.left, window.innerWidth - width - 8))),
  };
}
