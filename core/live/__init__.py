"""Live updates: GraphQL subscriptions over Server-Sent Events (issue 15, DESIGN.md "Running modes").

- `publish.py`: `publish_on_commit(topic, payload)` — what services call; the event goes out after the
  transaction commits (never on rollback) and publishing never fails the caller.
- `brokers.py`: the pub/sub backends. Redis pub/sub across machines (`LIVE_BROKER_URL=redis://…`); a
  server-less SQLite event log in a file for the embedded mode (`sqlite:///path`, the default), which
  works across the processes of one machine (the web process and the Celery worker); `memory://`
  within one process (tests).
- `hub.py`: one reader of the broker per process, fanning events out to the streams that listen for
  their topic; events with the same key waiting for a slow stream are coalesced into one.
- `transport.py`: the ASGI endpoint at POST /graphql/stream speaking graphql-sse's "distinct
  connections mode", with keep-alive comments and caps on open streams per user and per process.

This package imports no app: what is app-specific (authentication, execution) is named in settings and
loaded with `import_string`.
"""
