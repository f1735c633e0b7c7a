"""Live updates: publish after commit (publish.py), catch-up after a reconnect (catch_up.py),
and the websocket consumer pages open (consumer.py, routed by routing.py)."""
