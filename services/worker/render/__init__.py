"""Rendering pages in headless Chromium (crawls with ``render: "chromium"``)."""
