"""Local NemoVideo-compatible backend fixtures."""
