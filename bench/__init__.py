"""Benchmarks against peers (PgQueuer, procrastinate, Scrapy): run by ``make bench``, never by ``make test``."""
