// The reference client of the graphql-sse protocol subscribes to slotsChanged and prints, one JSON line
// each: {"ready": status} once the server answered (it answers after the subscription is in place), then
// {"result": ...} for the first result. Used by tests/core/live/test_graphql_sse_client.py.
import { createClient } from 'graphql-sse';

const [url, token, resourceId, from, to] = process.argv.slice(2);
const say = (value) => process.stdout.write(JSON.stringify(value) + '\n');

const client = createClient({
  url,
  headers: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  fetchFn: async (input, init) => {
    const response = await fetch(input, init);
    say({ ready: response.status });
    return response;
  },
});

const query = `subscription($r: ID!, $from: DateTime!, $to: DateTime!) {
  slotsChanged(resourceId: $r, from: $from, to: $to) { id start booked remaining closed } }`;

try {
  for await (const result of client.iterate({ query, variables: { r: resourceId, from, to } })) {
    say({ result });
    break;
  }
} catch (error) {
  say({ error: String(error && error.message ? error.message : error) });
  process.exitCode = 1;
} finally {
  client.dispose();
}
