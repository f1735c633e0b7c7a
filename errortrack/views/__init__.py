"""HTML views: thin; they read through errortrack.access and write through errortrack.actions."""
