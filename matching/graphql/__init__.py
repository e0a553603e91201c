"""The matching part of the GraphQL API: needs, match runs, allocations and district figures."""
