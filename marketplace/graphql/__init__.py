"""The marketplace part of the GraphQL API: geography, units, resources, people."""
