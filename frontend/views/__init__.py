"""The web app's pages, by role. Every read and write is a named GraphQL operation."""
