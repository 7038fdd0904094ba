"""Notifications: alert messages in English and Russian, and the senders of each channel type."""
