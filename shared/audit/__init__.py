"""The audit: page rules, site rules, duplicates and the issue catalogue (texts as data). No database plumbing."""
