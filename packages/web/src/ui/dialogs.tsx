/** Modal dialogs: native `<dialog>` (focus moves in, Escape cancels, focus returns). */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/** A modal `<dialog>`: focus moves in, Escape closes it, focus returns where it was. */
export function Modal({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose(): void;
  children: ComponentChildren;
}): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    dialog.showModal();
    const close = () => onClose();
    dialog.addEventListener('close', close);
    return () => {
      dialog.removeEventListener('close', close);
      if (dialog.open) dialog.close();
      before?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

export function ConfirmDialog({
  title,
  detail,
  confirm,
  onConfirm,
  onCancel,
}: {
  title: string;
  detail: string;
  confirm: string;
  onConfirm(): void;
  onCancel(): void;
}): JSX.Element {
  return (
    <Modal title={title} onClose={onCancel}>
      <p>{detail}</p>
      <div class="actions">
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </Modal>
  );
}
