"""Sentry protocol quirks, kept in one place (DSN format, auth forms, timestamps)."""
