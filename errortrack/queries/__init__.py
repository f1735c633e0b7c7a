"""Reads shared by the HTML pages and the web API. Each takes what it decides by (`now`, the
user) from its caller, and none changes state (that is errortrack.actions)."""
