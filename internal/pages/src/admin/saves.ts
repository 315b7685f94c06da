// Which save of a form is the latest. A save ends by reading the settings
// again, which draws its form anew; a second save can begin on that new
// form before the first has finished. The first save's confirmation would
// then fall on a form whose own save is still in flight, so only the
// latest save of a form confirms.
export class Saves {
  private readonly latest = new Map<string, number>();
  private count = 0;

  /** Begins a save of the form named key; the function returned says whether it is still the latest. */
  begin(key: string): () => boolean {
    const n = ++this.count;
    this.latest.set(key, n);
    return () => this.latest.get(key) === n;
  }
}
