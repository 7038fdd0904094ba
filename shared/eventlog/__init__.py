"""The event log: event models, the store, the projector registry with its projections, and rebuild.

``python -m shared.eventlog rebuild`` replays the whole log into freshly emptied projections.
"""
