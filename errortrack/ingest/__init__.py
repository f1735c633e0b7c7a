"""Ingestion: accept what SDKs send, durably, and keep it in the inbox (the digest consumes it)."""
