"""The ground floor every app builds on (DESIGN.md "Layout")."""
