// The phone page's one door to the server: the sandbox's phone API (README:
// Sandbox phones), JSON over HTTP. It is not GraphQL on purpose: the phone
// plays Meta's side, and reaches the service only as Meta does, through
// signed webhooks the sandbox posts to the webhook route.

export type App = "WHATSAPP" | "MESSENGER" | "INSTAGRAM";

export type MediaKind = "image" | "video" | "audio" | "document" | "sticker" | "location";

/** A file or place on a message, as the app shows it (R30): a location has coordinates, the rest a URL once the file is there. */
export interface Media {
  kind: MediaKind;
  name?: string;
  contentType?: string;
  size?: number;
  url?: string;
  latitude?: number;
  longitude?: number;
  address?: string;
}

/** A place the phone shares. */
export interface Place {
  latitude: number;
  longitude: number;
  name: string;
  address: string;
}

/** A message as the app shows it; state is the ticks of the user's own. */
export interface Line {
  id: string;
  from: "user" | "business";
  text: string;
  choices?: { id: string; title: string }[];
  /** How the choices came (R32): buttons, a list behind menu, or quick replies. */
  form?: "buttons" | "list" | "quick_replies";
  menu?: string;
  /** The template a business message was sent from (R33). */
  template?: string;
  time: string;
  read?: boolean;
  state?: "sent" | "delivered" | "read" | "failed";
  media?: Media;
}

/** What the app shows: exactly that channel's transcript (R10). */
export interface Screen {
  channel: App;
  handle: string;
  user: string;
  messages: Line[];
  /** The business is typing (R31). */
  typing?: boolean;
  version: number;
}

/** What the phone API refused, with its HTTP status. */
export class PhoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class PhoneApi {
  /** @param url the phone's address, `/sandbox/{key}/phones/{user}`. */
  constructor(private readonly url: string) {}

  /**
   * The screen. With the version last shown, the server answers when there
   * is something new, or after a while with the same: one request open at a
   * time, no polling interval.
   */
  view(after?: number): Promise<Screen> {
    return this.call("GET", after === undefined ? "" : `?after=${after}`);
  }

  write(text: string): Promise<unknown> {
    return this.call("POST", "/messages", { text });
  }

  tap(choiceId: string): Promise<unknown> {
    return this.call("POST", "/tap", { choiceId });
  }

  open(link: string): Promise<unknown> {
    return this.call("POST", "/open", { link });
  }

  read(): Promise<unknown> {
    return this.call("POST", "/read");
  }

  /** Sends a file as the app does: its bytes, its kind, its name and a caption (R30). */
  async sendMedia(kind: MediaKind, file: File, caption: string): Promise<unknown> {
    const q = new URLSearchParams({ kind, name: file.name, caption });
    return this.answer(await fetch(`${this.url}/media?${q}`, { method: "POST", headers: file.type ? { "Content-Type": file.type } : {}, body: file }));
  }

  shareLocation(place: Place): Promise<unknown> {
    return this.call("POST", "/location", place);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const resp = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return this.answer<T>(resp);
  }

  private async answer<T>(resp: Response): Promise<T> {
    const answer = (await resp.json()) as T & { error?: string };
    if (!resp.ok) throw new PhoneError(resp.status, answer.error ?? `HTTP ${resp.status}`);
    return answer;
  }
}
