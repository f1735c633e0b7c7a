"""Turn what the queries read into plain structures the HTML templates show."""
