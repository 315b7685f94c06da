// A page's notice: what the API refused, in its own words, shown to the
// person until their next action succeeds. Errors are never swallowed.

import { h } from "./dom";

export class Notice {
  readonly el = h("p", { class: "notice", role: "alert", hidden: true });

  constructor(private readonly failed: (message: string) => string) {}

  /** Shows text; "" hides the notice. */
  show(text: string): void {
    this.el.textContent = text;
    this.el.hidden = !text;
  }

  /** Shows that what the person asked for failed. */
  fail(e: unknown): void {
    this.show(this.failed(e instanceof Error ? e.message : String(e)));
  }

  /** Runs what the person asked for: success clears the notice, failure shows it. */
  async run(f: () => Promise<void>): Promise<boolean> {
    try {
      await f();
      this.show("");
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }
}
