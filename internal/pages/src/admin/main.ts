// Entry point of admin.js, the page the server serves at /admin.
import styles from "../workspace/styles.css";
import { Admin } from "./admin";
import adminStyles from "./styles.css";
import { en } from "./strings";

const name = "linkline:admin-token";
document.head.append(Object.assign(document.createElement("style"), { textContent: styles + adminStyles }));
new Admin(document.getElementById("admin")!, {
  load: () => localStorage.getItem(name),
  save: (token) => localStorage.setItem(name, token),
  clear: () => localStorage.removeItem(name),
}, en);
