"""Turning a fetched page into a page record: HTML extraction and record building (CPU work)."""
