"""Google's rich-result requirements, as data: which properties an item needs (and should have).

Each ``Feature`` cites its Google Search Central page. A requirement is a tuple of alternative
property paths (any one satisfies it: ``("offers", "review", "aggregateRating")``); a dotted path
walks nested items, and on a list every element must have it. ``when`` makes a requirement apply
only when that property is present (an Offer needs a price only if there are offers).
Read from developers.google.com/search/docs/appearance/structured-data/* (last modified 2026-09-08);
FAQPage and HowTo rich results are retired (FAQ: May 2026; HowTo: September 2023), so their markup
is reported as a notice only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

DOCS = "https://developers.google.com/search/docs/appearance/structured-data/"


@dataclass(frozen=True)
class Requirement:
    paths: tuple[str, ...]
    when: str | None = None

    def label(self) -> str:
        return " or ".join(self.paths)


def _r(*paths: str, when: str | None = None) -> Requirement:
    return Requirement(paths, when)


@dataclass(frozen=True)
class Feature:
    name: str
    types: frozenset[str]
    doc: str
    required: tuple[Requirement, ...] = ()
    recommended: tuple[Requirement, ...] = ()
    subtypes_of: tuple[str, ...] = field(default=())


@cache
def _subtypes() -> dict[str, list[str]]:
    raw = resources.files("shared.audit.rules").joinpath("data/schemaorg-subtypes.json").read_text("utf-8")
    return {k: v for k, v in json.loads(raw).items() if isinstance(v, list)}


_OFFER = ("offers.price", "offers.priceSpecification.price", "offers.lowPrice")

FEATURES: tuple[Feature, ...] = (
    Feature("Article", frozenset({"Article", "NewsArticle", "BlogPosting"}), DOCS + "article",
            recommended=(_r("author"), _r("author.name", when="author"), _r("datePublished"), _r("dateModified"),
                         _r("headline"), _r("image"))),
    Feature("Product snippet", frozenset({"Product", "ProductGroup", "ProductModel", "IndividualProduct",
                                          "SomeProducts"}), DOCS + "product-snippet",
            required=(_r("name"), _r("offers", "review", "aggregateRating"), _r(*_OFFER, when="offers"),
                      _r("review.author", when="review"), _r("review.reviewRating.ratingValue", when="review"),
                      _r("aggregateRating.ratingValue", when="aggregateRating"),
                      _r("aggregateRating.ratingCount", "aggregateRating.reviewCount", when="aggregateRating")),
            recommended=(_r("image"), _r("description"), _r("offers.priceCurrency", when="offers"),
                         _r("offers.availability", when="offers"))),
    Feature("Breadcrumb", frozenset({"BreadcrumbList"}), DOCS + "breadcrumb",
            required=(_r("itemListElement"), _r("itemListElement.position", when="itemListElement"),
                      _r("itemListElement.name", "itemListElement.item.name", when="itemListElement"))),
    Feature("Organization", frozenset({"Organization"}), DOCS + "organization",
            recommended=(_r("name"), _r("url"), _r("logo")), subtypes_of=("Organization",)),
    Feature("Local business", frozenset({"LocalBusiness"}), DOCS + "local-business",
            required=(_r("name"), _r("address")),
            recommended=(_r("telephone"), _r("url"), _r("geo"), _r("openingHoursSpecification")),
            subtypes_of=("LocalBusiness",)),
    Feature("Event", frozenset({"Event"}), DOCS + "event",
            required=(_r("name"), _r("startDate"), _r("location"), _r("location.address", when="location")),
            recommended=(_r("description"), _r("endDate"), _r("eventStatus"), _r("image"), _r("offers"),
                         _r("organizer"), _r("performer")),
            subtypes_of=("Event",)),
    Feature("Recipe", frozenset({"Recipe"}), DOCS + "recipe",
            required=(_r("name"), _r("image")),
            recommended=(_r("author"), _r("datePublished"), _r("description"), _r("recipeIngredient"),
                         _r("recipeInstructions"), _r("recipeYield"), _r("prepTime"), _r("cookTime"),
                         _r("aggregateRating"), _r("keywords"), _r("recipeCategory"), _r("recipeCuisine"))),
    Feature("Video", frozenset({"VideoObject"}), DOCS + "video",
            required=(_r("name"), _r("thumbnailUrl"), _r("uploadDate")),
            recommended=(_r("contentUrl", "embedUrl"), _r("description"), _r("duration"))),
    Feature("Job posting", frozenset({"JobPosting"}), DOCS + "job-posting",
            required=(_r("datePosted"), _r("description"), _r("hiringOrganization"), _r("title"),
                      _r("jobLocation", "applicantLocationRequirements")),
            recommended=(_r("baseSalary"), _r("employmentType"), _r("validThrough"))),
)  # fmt: skip

# Markup Google no longer turns into rich results: type -> (what happened, where it was said).
RETIRED: dict[str, tuple[str, str]] = {
    "FAQPage": ("FAQ rich results stopped appearing in Google Search on 7 May 2026",
                "https://developers.google.com/search/updates#removing-faq-rich-result"),
    "HowTo": ("How-to rich results were removed in September 2023",
              "https://developers.google.com/search/blog/2023/08/howto-faq-changes"),
}  # fmt: skip


@cache
def _by_type() -> dict[str, Feature]:
    out: dict[str, Feature] = {}
    subtypes = _subtypes()
    for feature in FEATURES:
        names = set(feature.types)
        for parent in feature.subtypes_of:
            names |= set(subtypes.get(parent, []))
        for name in names:
            out.setdefault(name, feature)
    return out


def feature_of(types: list[str]) -> Feature | None:
    """The rich-result feature an item of ``types`` is checked against (the most specific one)."""
    table = _by_type()
    found = [table[t] for t in types if t in table]
    # A LocalBusiness is also an Organization: the local-business feature wins.
    for feature in found:
        if feature.name == "Local business":
            return feature
    return found[0] if found else None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list):
        return any(_present(v) for v in value)
    return True


def _values(props: dict[str, Any], path: str) -> list[Any]:
    """Every value at ``path`` (lists flattened): one entry per element that was looked into."""
    current: list[Any] = [props]
    for step in path.split("."):
        nxt: list[Any] = []
        for value in current:
            for element in value if isinstance(value, list) else [value]:
                if isinstance(element, dict):
                    inner = element.get("properties", element) if "properties" in element else element
                    nxt.append(inner.get(step) if isinstance(inner, dict) else None)
                else:
                    nxt.append(None)  # a plain value (a URL, a name) has no nested properties
        current = nxt
    return current


def satisfied(props: dict[str, Any], path: str) -> bool:
    """``path`` is present on the item: on every element where the path crosses a list."""
    values = _values(props, path)
    return bool(values) and all(_present(v) for v in values)


def missing(props: dict[str, Any], requirements: tuple[Requirement, ...]) -> list[str]:
    """The requirements ``props`` fails, as labels."""
    out = []
    for req in requirements:
        if req.when is not None and not _present(props.get(req.when)):
            continue
        if not any(satisfied(props, path) for path in req.paths):
            out.append(req.label())
    return out
