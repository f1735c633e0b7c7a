"""errortrack: self-hosted, Sentry-compatible error tracking (Django project and core app)."""

from errortrack.celery import app as celery_app

__all__ = ["celery_app"]
