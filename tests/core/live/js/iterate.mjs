// The reference client of the graphql-sse protocol runs any subscription and prints, one JSON line each:
// {"ready": status} once the server answered (it answers after the subscription is in place), then
// {"result": ...} for each result — the first only, or with "all" every one until the server completes
// the operation — then {"done": true}. Used by tests/core/live/test_graphql_sse_client.py.
//   node iterate.mjs URL TOKEN QUERY VARIABLES_JSON [first|all]
import { createClient } from 'graphql-sse';

const [url, token, query, variables, mode = 'first'] = process.argv.slice(2);
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

try {
  for await (const result of client.iterate({ query, variables: JSON.parse(variables) })) {
    say({ result });
    if (mode !== 'all') break;
  }
  say({ done: true });
} catch (error) {
  say({ error: String(error && error.message ? error.message : error) });
  process.exitCode = 1;
} finally {
  client.dispose();
}
