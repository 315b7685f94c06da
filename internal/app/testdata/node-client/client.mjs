// Follows one conversation with an unmodified third-party client, as a
// browser page would: graphql-ws for graphql-transport-ws, or
// subscriptions-transport-ws for the legacy graphql-ws protocol. It prints
// each event as a JSON line, and once it has seen `want` messages it
// completes the subscription, closes the socket and prints {"done":true}.
//
// usage: node client.mjs <graphql-transport-ws|graphql-ws> <url> <token> <conversationId> <after> <want>
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import subscriptions from 'subscriptions-transport-ws';

const [protocol, url, token, id, after, want] = process.argv.slice(2);
const query = `subscription($id: ID!, $after: String) {
  conversationEvents(conversationId: $id, after: $after) { cursor kind message { text } }
}`;
const variables = { id, after };
const connectionParams = { Authorization: `Bearer ${token}` };

const print = (v) => process.stdout.write(JSON.stringify(v) + '\n');
const fail = (err) => {
  print({ error: err instanceof Error ? err.message : err });
  process.exit(1);
};

let seen = 0;
// onEvent returns true once enough messages have arrived.
const onEvent = (result) => {
  if (result.errors) fail(result.errors);
  const ev = result.data.conversationEvents;
  print({ event: ev });
  if (ev.kind === 'MESSAGE_ADDED') seen++;
  return seen >= Number(want);
};

if (protocol === 'graphql-transport-ws') {
  const client = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false, on: { error: fail } });
  const unsubscribe = client.subscribe({ query, variables }, {
    next: (result) => {
      if (onEvent(result)) {
        // Sends complete, then closes the socket with 1000.
        unsubscribe();
        Promise.resolve(client.dispose()).then(() => print({ done: true }));
      }
    },
    error: fail,
    complete: () => {},
  });
} else if (protocol === 'graphql-ws') {
  const client = new subscriptions.SubscriptionClient(url, { connectionParams, reconnect: false }, WebSocket);
  client.onError(fail);
  const sub = client.request({ query, variables }).subscribe({
    next: (result) => {
      if (onEvent(result)) {
        // Sends stop, then connection_terminate and closes the socket.
        sub.unsubscribe();
        client.close();
        print({ done: true });
      }
    },
    error: fail,
  });
} else {
  fail(`unknown protocol ${protocol}`);
}
