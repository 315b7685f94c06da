// A small element builder: each page is a handful of elements, too few to
// earn a UI library.

type Props = Record<string, string | boolean | ((e: Event) => void) | undefined>;
type Child = Node | string | false | null | undefined;

/** Creates an element: props starting with "on" are listeners, others attributes (false leaves one out). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (typeof value === "string") el.setAttribute(name, value);
  }
  el.append(...present(children));
  return el;
}

/** Leaves out the children a condition turned off (`cond && h(...)`). */
export function present(children: Child[]): (Node | string)[] {
  return children.filter((c): c is Node | string => c !== false && c != null);
}
