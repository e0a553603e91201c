"""Database backends of our own: Django's, with what measurement showed it leaves on the table."""
