// Entry point of workspace.js, the page the server serves at /workspace.
import { en } from "./strings";
import styles from "./styles.css";
import { Workspace } from "./workspace";

const name = "linkline:agent-token";
document.head.append(Object.assign(document.createElement("style"), { textContent: styles }));
new Workspace(document.getElementById("workspace")!, {
  load: () => localStorage.getItem(name),
  save: (token) => localStorage.setItem(name, token),
  clear: () => localStorage.removeItem(name),
}, en);
