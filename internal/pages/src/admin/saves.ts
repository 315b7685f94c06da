// Which save of a form is the latest. A save ends by reading the settings
// again, which draws its form anew; a second save can begin on that new
// form before the first has finished. The first save's confirmation would
// then fall on a form whose own save is still in flight, so only the
// latest save of a form confirms.
export class Saves {
  private readonly latest = new Map<string, number>();
  private count = 0;

  /**
   * Begins a save of the form the selector names. The function returned
   * ends it, once the reload has drawn the form anew: if it is still the
   * form's latest save, the form says saved and its Save button has the
   * focus back.
   */
  begin(form: string): (saved: string) => void {
    const n = ++this.count;
    this.latest.set(form, n);
    return (saved) => {
      if (this.latest.get(form) !== n) return;
      const el = document.querySelector(form);
      if (!el) return;
      el.querySelector(".status")!.textContent = saved;
      el.querySelector<HTMLButtonElement>('button[type="submit"]')!.focus();
    };
  }
}
