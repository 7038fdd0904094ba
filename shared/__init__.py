"""What two or more services need (the api, the worker, the scheduler); imports no service.

- ``shared.platform``: settings, logging, the database pool, embedded Postgres, migrations, the
  LISTEN connection and the service scaffolding (health, metrics, running).
- ``shared.eventlog``: event models, the store, the projector registry and its projections, rebuild.
- ``shared.model``: the page schema, crawl settings and the issue shape (imports nothing of ours).
- ``shared.audit``: page rules, site rules, duplicates, directives and the issue catalogue.
- ``shared.netguard``: the SSRF guard.

docs/ARCHITECTURE.md says which module owns which table and what each package may import.
"""
