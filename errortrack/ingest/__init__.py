"""Ingestion: accept what SDKs send, durably, and hand it to its consumers."""
