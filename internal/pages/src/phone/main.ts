// Entry point of phone.js, the sandbox phone page the server serves at
// /phone?key={webhook key}&user={user}: one end user of one sandbox
// integration. Without a user it makes one up and keeps it in the address,
// so that a reload is the same phone.
import { h } from "../shared/dom";
import { Phone } from "./phone";
import { en } from "./strings";
import styles from "./styles.css";

document.head.append(h("style", {}, styles));
const root = document.getElementById("phone")!;
const params = new URLSearchParams(location.search);
const key = params.get("key");
if (!key) {
  // No phone named: ask for one, as the demo page asks for a widget key.
  root.append(
    h(
      "main",
      {},
      h("h1", {}, en.openPhone),
      h("p", {}, en.pick),
      h("form", { method: "get", action: "/phone", class: "scan" }, h("label", { for: "phone-key" }, en.key), h("div", { class: "row" }, h("input", { id: "phone-key", name: "key", required: true }), h("button", { type: "submit" }, en.openPhone))),
    ),
  );
} else {
  let user = params.get("user");
  if (!user) {
    // Digits suit every channel: a phone number, a PSID, an IGSID.
    user = Array.from(crypto.getRandomValues(new Uint8Array(15)), (b) => b % 10).join("").replace(/^0/, "1");
    params.set("user", user);
    history.replaceState(null, "", `?${params}`);
  }
  new Phone(root, `/sandbox/${encodeURIComponent(key)}/phones/${encodeURIComponent(user)}`, en);
}
