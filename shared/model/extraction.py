"""Custom extraction rules (CONTRACT.md: the crawl setting ``extraction``, the page field ``extracted``).

A rule takes something from every HTML page: a CSS selector or an XPath (the text, an attribute,
the inner HTML or the count of the matches), a regular expression (RE2: the first group, else the
whole match; or the count) or a plain text (its count). ``multiple`` keeps every match instead of
the first. A rule with ``search`` is a *custom search*: pages where it finds something
(``contains``) or nothing (``not_contains``) are reported as an issue of their own, titled with the
rule's name. Every expression is checked when the crawl is requested: a bad one is a 422 naming
``extraction.N.expression``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shared.model import patterns
from shared.model.userinput import is_stored

MAX_RULES = 20
MAX_EXPRESSION_LENGTH = 2000
# A rule's name is a column title, a key of ``extracted`` and part of an issue code: printable, short.
NAME_PATTERN = r"^[^\x00-\x1f\x7f:]{1,64}$"
_NAME = re.compile(NAME_PATTERN)
_ATTRIBUTE = re.compile(r"^[^\x00-\x20\x7f\"'>/=]{1,100}$")
SEARCH_CODE_PREFIX = "custom_search:"

RuleType = Literal["css", "xpath", "regex", "text"]
RuleValue = Literal["text", "attribute", "inner_html", "count"]
SearchMode = Literal["contains", "not_contains"]


class ExtractionRule(BaseModel):
    """One rule of ``extraction``: what to find in a page, and what of it to keep."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        description="the column name and the key in `extracted` (unique within the crawl)",
        json_schema_extra={"pattern": NAME_PATTERN, "maxLength": 64},
    )
    type: RuleType = Field(description="css, xpath, regex (RE2) or text (a literal substring, for searches)")
    expression: str = Field(min_length=1, max_length=MAX_EXPRESSION_LENGTH)
    attribute: str | None = Field(default=None, description="css/xpath: keep this attribute of each match")
    value: RuleValue | None = Field(
        default=None,
        description="what to keep: text (default), attribute (default when `attribute` is set), inner_html "
        "(css/xpath) or count (of the matches)",
    )
    multiple: bool = Field(default=False, description="keep every match (a list) instead of the first")
    search: SearchMode | None = Field(
        default=None, description="a custom search: report pages where the rule finds something, or nothing"
    )
    severity: Literal["error", "warning", "notice"] = Field(default="warning", description="a search's severity")

    @property
    def takes(self) -> RuleValue:
        """What the rule keeps, its defaults applied."""
        if self.value is not None:
            return self.value
        if self.type == "text":
            return "count"
        return "attribute" if self.attribute else "text"

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ExtractionRule:
        if is_stored(info):
            return self
        if not _NAME.fullmatch(self.name) or self.name != self.name.strip():
            raise ValueError("`name` is 1 to 64 printable characters, no colon, no leading or trailing space")
        if self.attribute is not None and not _ATTRIBUTE.fullmatch(self.attribute):
            raise ValueError(f"`attribute` {self.attribute[:40]!r} is not an attribute name")
        takes = self.takes
        if takes == "attribute" and not self.attribute:
            raise ValueError("`value: attribute` needs `attribute`")
        if self.type in ("regex", "text") and takes in ("attribute", "inner_html"):
            raise ValueError(f"a {self.type} rule keeps text or a count, not {takes}")
        if self.type == "text" and takes == "text":
            raise ValueError("a text rule keeps the count of its matches (`value: count`)")
        reason = check_expression(self)
        if reason is not None:
            raise ValueError(f"rule {self.name!r}: {reason}")
        return self


def check_expression(rule: ExtractionRule) -> str | None:
    """Why ``rule.expression`` cannot run (a sentence for the user), or None. Compiles it (CPU: short)."""
    if rule.type == "regex":
        try:
            patterns.check_pattern(rule.expression)
        except patterns.PatternError as exc:
            return str(exc)
        return None
    if rule.type == "css":
        from selectolax.lexbor import LexborHTMLParser, SelectolaxError

        try:
            LexborHTMLParser("<p></p>").css(rule.expression)
        except (SelectolaxError, ValueError) as exc:
            return f"{rule.expression[:80]!r} is not a CSS selector this crawler reads ({exc})"
        return None
    if rule.type == "xpath":
        from lxml import etree

        try:
            etree.XPath(rule.expression)
        except etree.XPathError as exc:
            return f"{rule.expression[:80]!r} is not a valid XPath 1.0 expression ({exc})"
        return None
    return None


def unique_names(rules: list[ExtractionRule], info: ValidationInfo) -> list[ExtractionRule]:
    """The rules, when no two share a name (case aside): names are columns and keys of ``extracted``."""
    if is_stored(info):
        return rules
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name.casefold() in seen:
            raise ValueError(f"rule {index} repeats the name {rule.name!r}: names are columns and must be unique")
        seen.add(rule.name.casefold())
    return rules


def search_code(rule_name: str) -> str:
    """The issue code of a custom search rule: ``custom_search:<name>``."""
    return SEARCH_CODE_PREFIX + rule_name
