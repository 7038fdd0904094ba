"""Runners for the peers, each a script run in the bench venv that prints one JSON result line."""
