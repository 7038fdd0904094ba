"""The answer to one request of the crawl's resource checker (an image, stylesheet, script, icon,
external link target or https probe): what ``ResourcesChecked`` carries and ``resources`` stores."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ResourceCheck(BaseModel):
    url: str
    status_code: int | None = None
    final_url: str | None = Field(default=None, description="where redirects ended (the URL itself if none)")
    content_type: str | None = None
    size_bytes: int | None = Field(default=None, description="Content-Length, or the bytes counted by a GET")
    error: str | None = Field(default=None, description="why there is no answer ('blocked by robots.txt' included)")
    checked_at: datetime
