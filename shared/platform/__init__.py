"""Plumbing every service runs on: settings, logging, database, embedded Postgres, migrations, LISTEN, scaffolding."""
