"""The projections: read models updated in the appending transaction, rebuildable from the log.

One module per table owns every statement that writes (or locks) it: ``crawls``, ``parsequeue``
(the work queue, its locks, leases and claims), ``pages`` (with ``links``), ``issues``,
``schedules``, ``resources``, ``sitefiles`` (robots.txt and llms.txt as read). ``handlers`` maps
each event to those writes on ``PROJECTOR``, the registry the store runs and rebuild replays.
"""
