"""Alert rules, channels and deliveries (the alerts issue fills this app)."""
