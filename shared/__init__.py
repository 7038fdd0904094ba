"""The project's shared package: config, database, event store, events, projections, logging, scaffolding."""
