"""Sentry-shaped web API under /api/0/ (DRF)."""
