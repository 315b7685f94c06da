// The pages' one door to the server: queries and mutations over HTTP,
// subscriptions over a websocket with the graphql-ws client.
import { createClient, type Client } from "graphql-ws/client";

/** An error the API answered, with its extensions.code (see the README's error codes). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Result<T> = { data?: T | null; errors?: ReadonlyArray<{ message: string; extensions?: { code?: unknown } }> };

function failure(errors: Result<unknown>["errors"]): ApiError | undefined {
  const first = errors?.[0];
  if (!first) return undefined;
  return new ApiError(String(first.extensions?.code ?? "INTERNAL"), first.message);
}

/** What ended a subscription: the server's errors, or the socket closed for good (a refused token, say). */
function refusal(e: unknown): ApiError {
  if (Array.isArray(e)) return failure(e) ?? new ApiError("INTERNAL", "");
  if (e instanceof CloseEvent) return new ApiError("CLOSED", e.reason || `socket closed (${e.code})`);
  return new ApiError("INTERNAL", String(e));
}

/** A stored upload, ready for a message to carry by its id. */
export interface Uploaded {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

export interface Subscription<T> {
  /** Each result's data. */
  next(data: T): void;
  /** The server refused or ended the operation. */
  error(err: ApiError): void;
}

export class Api {
  private token = "";
  private client: Client;

  /**
   * @param origin the server's origin: the widget may be embedded in a page
   *   of another origin.
   * @param online told whether the socket is connected, so the person sees
   *   a dropped network instead of a silent widget.
   */
  constructor(
    private readonly origin: string,
    private readonly online: (up: boolean) => void,
  ) {
    this.client = this.connect();
  }

  /** Uses a session token from now on; subscriptions must be started again. */
  authenticate(token: string): void {
    this.token = token;
    void this.client.dispose();
    this.client = this.connect();
  }

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    const resp = await fetch(`${this.origin}/graphql`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await resp.json()) as Result<T>;
    const err = failure(body.errors);
    if (err) throw err;
    if (!body.data) throw new ApiError("INTERNAL", `HTTP ${resp.status}`);
    return body.data;
  }

  /**
   * Uploads a file into a conversation (R30). The file is the request's
   * body, not a GraphQL multipart request: the server streams it to storage
   * under its size limit, and answers with the id a message then carries.
   */
  async upload(conversationId: string, file: File): Promise<Uploaded> {
    const q = new URLSearchParams({ conversationId, name: file.name });
    const resp = await fetch(`${this.origin}/uploads?${q}`, {
      method: "POST",
      headers: this.token ? { Authorization: `Bearer ${this.token}` } : {},
      body: file,
    });
    const body = (await resp.json().catch(() => ({}))) as Uploaded & Result<unknown>;
    if (!resp.ok) throw failure(body.errors) ?? new ApiError("INTERNAL", `HTTP ${resp.status}`);
    return body;
  }

  /**
   * Follows a subscription until the returned function is called. graphql-ws
   * sends this same variables object again when it reconnects after a
   * network drop, so a caller that keeps its `after` cursor current there
   * resumes where it stopped (R21).
   */
  subscribe<T>(query: string, variables: Record<string, unknown>, sub: Subscription<T>): () => void {
    return this.client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          const err = failure(r.errors);
          if (err) sub.error(err);
          else if (r.data) sub.next(r.data);
        },
        error: (e) => sub.error(refusal(e)),
        complete: () => {},
      },
    );
  }

  private connect(): Client {
    const client = createClient({
      url: this.origin.replace(/^http/, "ws") + "/graphql",
      connectionParams: () => (this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      // A widget stays open for hours: it keeps trying, at most every 10 s.
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (n) => new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** n) + Math.random() * 500)),
    });
    client.on("connected", () => client === this.client && this.online(true));
    // 1000 is graphql-ws closing an idle socket itself (lazy mode, once no
    // subscription is left, a refused one say): no connection was lost.
    client.on("closed", (e) => client === this.client && !(e instanceof CloseEvent && e.code === 1000) && this.online(false));
    return client;
  }
}

/** A new idempotency key for a message: a retry sends the same one again (R18). */
export function clientMessageId(): string {
  return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
