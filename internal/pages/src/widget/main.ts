// Entry point of widget.js. A site embeds the widget with one tag:
//   <script async src="https://linkline.example/widget.js" data-widget-key="wk_..."></script>
// The widget lives in a shadow root, so the host page's styles cannot reach it.
import { en } from "./strings";
import { Widget, type SessionStore } from "./widget";

function localSession(key: string): SessionStore {
  const name = `linkline:${key}`;
  return {
    load: () => {
      try {
        return JSON.parse(localStorage.getItem(name) ?? "null");
      } catch {
        return null;
      }
    },
    save: (s) => localStorage.setItem(name, JSON.stringify(s)),
    clear: () => localStorage.removeItem(name),
  };
}

const script = document.currentScript as HTMLScriptElement | null;
const key = script?.dataset.widgetKey;
if (!script || !key) {
  console.error("linkline: widget.js needs a data-widget-key attribute on its script tag");
} else {
  const origin = new URL(script.src).origin;
  const mount = () => {
    const host = document.createElement("linkline-widget");
    document.body.append(host);
    new Widget(host.attachShadow({ mode: "open" }), key, origin, localSession(key), en);
  };
  // An async script in the head may run before the body exists.
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
}
