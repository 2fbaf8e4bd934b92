// A question asked in the page (a modal <dialog>, not window.confirm): a title, a
// sentence and two buttons. Escape or the cancel button keep things as they are.
import { h } from './dom';

export interface ConfirmOptions {
  title: string;
  text: string;
  confirm: string;
  cancel: string;
}

/** Resolves true when the user chose `confirm`. */
export function askInPage(host: HTMLElement, o: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const title = h('h2', { class: 'app-dialog-title', id: 'confirm-title' }, o.title);
    const text = h('p', { class: 'app-dialog-text', id: 'confirm-text' }, o.text);
    const yes = h('button', { type: 'button', class: 'app-button', testid: 'confirm-yes' }, o.confirm);
    const no = h('button', { type: 'button', class: 'app-button app-button-primary', testid: 'confirm-no' }, o.cancel);
    const dialog = h(
      'dialog',
      { class: 'app-dialog', testid: 'confirm-dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
      title,
      text,
      h('div', { class: 'app-buttons app-dialog-actions' }, no, yes),
    );
    let answered = false;
    const close = (answer: boolean) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    yes.addEventListener('click', () => close(true));
    no.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(false);
    });
    host.append(dialog);
    dialog.showModal();
    no.focus(); // the safe choice has the focus
  });
}
