"""A login page's form, read for a form login: where it posts and the fields it carries itself.

CPU-pool tasks (``find``, ``contains``): the login page is hostile bytes like any other page. Only
field *names* come in; the values the user gave are added on the event loop, so secrets never
cross into the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from shared import charset

MAX_FIELDS = 200
MAX_VALUE_CHARS = 4096
_SKIPPED_TYPES = frozenset({"submit", "button", "image", "reset", "file"})


@dataclass
class LoginForm:
    """The form to submit: its absolute action URL and the values it carries itself (hidden fields, CSRF tokens)."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


def _fields(form: LexborNode) -> tuple[list[tuple[str, str]], set[str]]:
    carried: list[tuple[str, str]] = []
    names: set[str] = set()
    for node in form.css("input, select, textarea")[:MAX_FIELDS]:
        name = node.attributes.get("name")
        if not name:
            continue
        names.add(name)
        if "disabled" in node.attributes:
            continue
        if node.tag == "input":
            kind = (node.attributes.get("type") or "text").lower()
            if kind in _SKIPPED_TYPES or (kind in ("checkbox", "radio") and "checked" not in node.attributes):
                continue
            value = node.attributes.get("value") or ("on" if kind in ("checkbox", "radio") else "")
        elif node.tag == "select":
            options = node.css("option")
            chosen = next((o for o in options if "selected" in o.attributes), options[0] if options else None)
            value = "" if chosen is None else (chosen.attributes.get("value") or chosen.text(deep=True).strip())
        else:
            value = node.text(deep=True)
        carried.append((name, value[:MAX_VALUE_CHARS]))
    return carried, names


def find(body: bytes, content_type: str | None, url: str, wanted: tuple[str, ...]) -> LoginForm | str:
    """The login form of the page at ``url``: the first form with every ``wanted`` field, else the first
    with a password field, else the only form. A sentence saying why when there is none."""
    text, _ = charset.decode(body, content_type)
    tree = LexborHTMLParser(text)
    forms = tree.css("form")
    if not forms:
        return "the login page has no form"
    read = [(form, *_fields(form)) for form in forms]
    chosen = next((r for r in read if set(wanted) <= r[2]), None)
    if chosen is None:
        chosen = next((r for r in read if r[0].css_first("input[type=password i]") is not None), None)
    if chosen is None and len(read) == 1:
        chosen = read[0]
    if chosen is None:
        missing = ", ".join(sorted(set(wanted) - set().union(*(r[2] for r in read))))
        return f"no form on the login page has the fields {missing}" if missing else "no form on the login page fits"
    form, carried, names = chosen
    base_node = tree.css_first("base[href]")
    base = urljoin(url, base_node.attributes.get("href") or "") if base_node is not None else url
    action = urljoin(base, (form.attributes.get("action") or "").strip()) or url
    return LoginForm(action=action.split("#", 1)[0], fields=carried, names=names)


def contains(body: bytes, content_type: str | None, text: str) -> bool:
    """Whether the page shows ``text`` (in its HTML as written, or in its text with entities decoded)."""
    html, _ = charset.decode(body, content_type)
    if text in html:
        return True
    root = LexborHTMLParser(html).root
    return root is not None and text in " ".join(root.text(deep=True, separator=" ").split())
