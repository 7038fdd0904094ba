"""``seo`` (``python -m cli``): the command line over the same HTTP API the UI uses.

    seo crawl https://example.com/ --max-pages 500 --wait   # live progress bar, then the issues
    seo crawls | seo status ID | seo issues ID [--code CODE]
    seo export ID --format csv -o pages.csv | seo compare A B | seo cancel/pause/resume ID
    seo sites [add URL | show ID | delete ID]                # health and history per site
    seo alerts [--site ID] | seo alerts channels | test CHANNEL | rules SITE

``seo admin ...`` are the operator commands that work on the database instead (``cli.admin``).

The API URL and token come from ``--api-url``/``--token``, else ``SEO_API_URL``/``SEO_API_TOKEN``,
else ``~/.config/seo/config.toml`` (``api_url = "..."``, ``token = "..."``). ``--json`` prints
machine-readable JSON. Exit codes: 0 done, 1 the crawl failed or was cancelled, 2 bad usage,
3 the API refused or could not be reached.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from cli import admin

EXIT_OK, EXIT_CRAWL_FAILED, EXIT_USAGE, EXIT_API = 0, 1, 2, 3
TERMINAL = {"CrawlCompleted": "completed", "CrawlFailed": "failed", "CrawlCancelled": "cancelled"}
CONFIG_FILE = Path("~/.config/seo/config.toml")


class CliSettings(BaseSettings):
    """The client's own environment (``SEO_*``); the services' settings live in ``shared.platform.settings``."""

    model_config = SettingsConfigDict(env_prefix="SEO_", extra="ignore")

    api_url: str | None = None
    api_token: str | None = None


class ApiError(Exception):
    """The API answered with a problem, or could not be reached; the message is for the user."""


class Client:
    """A tiny synchronous HTTP client: JSON in, JSON out, problem documents become ``ApiError``."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise ApiError(_problem_text(exc)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(
                f"cannot reach the API at {self.base_url} ({reason}); is it running (make run)? "
                "Set SEO_API_URL or --api-url if it is elsewhere."
            ) from None

    def json(self, method: str, path: str, body: Any = None) -> Any:
        with self._request(method, path, body) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def download(self, path: str, target: Path) -> int:
        """Stream a response body into ``target``; returns the bytes written."""
        written = 0
        with self._request("GET", path) as response, target.open("wb") as out:
            while chunk := response.read(64 * 1024):
                out.write(chunk)
                written += len(chunk)
        return written

    def events(self, crawl_id: str, last_event_id: str | None = None) -> Iterator[tuple[str, str | None, Any]]:
        """Server-Sent Events of one crawl as ``(event, id, data)``, resuming after a dropped connection."""
        failures = 0
        while True:
            headers = {"Accept": "text/event-stream"}
            if last_event_id:
                headers["Last-Event-ID"] = last_event_id
            try:
                with self._request("GET", f"/api/crawls/{crawl_id}/events", headers=headers) as response:
                    failures = 0
                    for event, event_id, data in _parse_sse(response):
                        if event_id:
                            last_event_id = event_id
                        yield event, event_id, data
            except (ApiError, OSError):
                failures += 1
                if failures > 5:
                    raise
            # the stream ended (api restart, proxy timeout): reconnect where we left off


def _problem_text(exc: urllib.error.HTTPError) -> str:
    try:
        problem = json.loads(exc.read() or b"{}")
    except ValueError:
        problem = {}
    detail = problem.get("detail") or exc.reason
    if exc.code == 401:
        return f"{detail} Set SEO_API_TOKEN (or `token` in {CONFIG_FILE}) to the API token."
    fields = "; ".join(f"{e['field']}: {e['message']}" for e in problem.get("errors") or [])
    return f"HTTP {exc.code}: {detail}" + (f" ({fields})" if fields and fields not in detail else "")


def _parse_sse(lines: Any) -> Iterator[tuple[str, str | None, Any]]:
    event, event_id = "message", None
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield event, event_id, json.loads("\n".join(data))
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "id":
            event_id = value
        elif name == "data":
            data.append(value)


def load_config(args: argparse.Namespace) -> tuple[str, str | None]:
    """API URL and token: flags, then the environment, then the config file, then localhost."""
    env = CliSettings()
    file: dict[str, Any] = {}
    path = Path(args.config).expanduser() if args.config else CONFIG_FILE.expanduser()
    if path.is_file():
        try:
            file = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise ApiError(f"cannot read {path}: {exc}") from None
    url = args.api_url or env.api_url or file.get("api_url") or "http://localhost:8000"
    token = args.token or env.api_token or file.get("token")
    return url, token


# --- commands ------------------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _crawl_table(crawls: list[dict[str, Any]]) -> Table:
    table = Table("status", "pages", "issues", "url", "created")
    # Ids are what the other commands take: never cut or wrapped, whatever the terminal's width.
    table.columns.insert(0, Column("id", no_wrap=True, min_width=36))
    for c in crawls:
        table.add_row(c["id"], c["status"], str(c["pages_crawled"]), str(c["issues_count"]), c["url"],
                      c["created_at"][:19].replace("T", " "))  # fmt: skip
    return table


def _issues_table(summary: dict[str, Any]) -> Table:
    table = Table("severity", "code", "count", "title", title="Issues")
    colours = {"error": "red", "warning": "yellow", "notice": "cyan"}
    for row in summary["items"]:
        sev = row["severity"]
        table.add_row(f"[{colours.get(sev, 'white')}]{sev}[/]", row["code"], str(row["count"]), row["title"])
    return table


def _settings_file(path: str | None) -> dict[str, Any]:
    """Crawl settings from a JSON file (any field of POST /api/crawls: extraction, url_rules, auth, ...)."""
    if path is None:
        return {}
    try:
        loaded = json.loads(Path(path).expanduser().read_text())
    except (OSError, ValueError) as exc:
        raise ApiError(f"cannot read the settings file {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise ApiError(f"the settings file {path} must hold a JSON object")
    return loaded


def _url_rules(args: argparse.Namespace, given: dict[str, Any]) -> dict[str, Any] | None:
    rules = dict(given)
    if args.strip_param:
        rules["strip_params"] = "all" if "all" in args.strip_param else args.strip_param
    if args.lowercase_paths:
        rules["lowercase"] = True
    if args.rewrite:
        rules["rewrite"] = [{"pattern": p, "replacement": r} for p, r in args.rewrite]
    return rules or None


def _pair(value: str, sep: str, what: str) -> tuple[str, str]:
    name, found, rest = value.partition(sep)
    if not found or not name.strip():
        raise ApiError(f"{what} must be NAME{sep}VALUE")  # not the value: it may be a secret
    return name.strip(), rest.strip() if sep == ":" else rest


def _auth(args: argparse.Namespace, given: dict[str, Any]) -> dict[str, Any] | None:
    """``auth`` from the flags over the settings file's. Secrets can stay out of the shell's history:
    ``--basic-auth USER`` takes the password from $SEO_AUTH_PASSWORD (or asks for it on a terminal)."""
    auth = dict(given)
    if args.basic_auth:
        user, colon, password = args.basic_auth.partition(":")
        if not colon:
            password = os.environ.get("SEO_AUTH_PASSWORD", "")
            if not password and sys.stdin.isatty():
                password = getpass.getpass(f"Password for {user}: ")
            elif not password:
                raise ApiError("--basic-auth USER needs the password: USER:PASSWORD, or $SEO_AUTH_PASSWORD")
        auth["basic"] = {"username": user, "password": password}
    if args.header:
        auth["headers"] = {**auth.get("headers", {}), **dict(_pair(h, ":", "--header") for h in args.header)}
    if args.cookies:
        auth["cookies"] = args.cookies
    if args.login_url or args.login_field or args.login_success:
        if not (args.login_url and args.login_field and args.login_success):
            raise ApiError("a form login needs --login-url, --login-field (one per field) and --login-success")
        fields = dict(_pair(f, "=", "--login-field") for f in args.login_field)
        auth["form"] = {"url": args.login_url, "fields": fields, "success_text": args.login_success}
    return auth or None


def _extraction(args: argparse.Namespace, given: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    rules = list(given)
    for name, kind, expression in args.extract or ():
        rules.append({"name": name, "type": kind, "expression": expression})
    return rules or None


def cmd_crawl(client: Client, args: argparse.Namespace, console: Console) -> int:
    body: dict[str, Any] = {**_settings_file(args.settings), "url": args.url}
    auth = _auth(args, body.get("auth") or {})
    if auth is not None:
        body["auth"] = auth
    extraction = _extraction(args, body.get("extraction") or [])
    if extraction is not None:
        body["extraction"] = extraction
    for name in ("max_pages", "max_depth", "concurrency", "max_rps", "user_agent", "user_agent_preset", "proxy"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    rules = _url_rules(args, body.get("url_rules") or {})
    if rules is not None:
        body["url_rules"] = rules
    if args.include:
        body["include"] = args.include
    if args.exclude:
        body["exclude"] = args.exclude
    if args.no_robots:
        body["respect_robots"] = False
    if args.no_sitemaps:
        body["use_sitemaps"] = False
    crawl = client.json("POST", "/api/crawls", body)
    if not args.wait:
        if args.json:
            _print_json(crawl)
        else:
            console.print(f"Crawl {crawl['id']} queued for {crawl['url']}.")
            console.print(f"Follow it with: seo watch {crawl['id']}")
        return EXIT_OK
    return _watch(client, crawl, args, console)


def cmd_watch(client: Client, args: argparse.Namespace, console: Console) -> int:
    crawl = client.json("GET", f"/api/crawls/{_quote(args.id)}")
    return _watch(client, crawl, args, console)


def _watch(client: Client, crawl: dict[str, Any], args: argparse.Namespace, console: Console) -> int:
    """Follow the crawl's live events with a progress bar until it ends; then the issue summary."""
    crawl_id = crawl["id"]
    max_pages = crawl["settings"].get("max_pages") or None
    status = crawl["status"]
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("pages · {task.fields[state]}"), TimeElapsedColumn(),
        console=Console(stderr=True), disable=args.json, transient=False,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task(crawl["url"], total=max_pages, state=status)
            crawled, discovered = crawl["pages_crawled"], crawl["pages_discovered"]
            for event, _, data in client.events(crawl_id):
                if event == "snapshot":
                    status, crawled = data["status"], data["pages_crawled"]
                    discovered = data["pages_discovered"]
                elif event == "PagesCrawled":
                    crawled += data["data"]["pages_count"]
                    discovered = data["data"]["pages_discovered"]
                elif event == "CrawlProgressed":
                    crawled = max(crawled, data["data"]["pages_crawled"])
                    discovered = data["data"]["pages_discovered"]
                elif event == "CrawlStarted":
                    status = "running"
                else:
                    status = TERMINAL.get(event, status)
                progress.update(task, completed=crawled, total=_total(max_pages, discovered, crawled), state=status)
                if status in TERMINAL.values():
                    break
    except KeyboardInterrupt:
        console.print(f"\nStopped watching; the crawl goes on. Resume with: seo watch {crawl_id}")
        return 130
    final = client.json("GET", f"/api/crawls/{crawl_id}")
    summary = client.json("GET", f"/api/crawls/{crawl_id}/issues")
    if args.json:
        _print_json({"crawl": final, "issues": summary})
    else:
        console.print(f"Crawl {crawl_id} {final['status']}: {final['pages_crawled']} pages crawled.")
        if final.get("error"):
            console.print(f"[red]Reason:[/] {final['error']}")
        totals = summary["totals"]
        console.print(f"{totals['error']} errors, {totals['warning']} warnings, {totals['notice']} notices.")
        if summary["items"]:
            console.print(_issues_table(summary))
    return EXIT_OK if final["status"] == "completed" else EXIT_CRAWL_FAILED


def _total(max_pages: int | None, discovered: int | None, crawled: int) -> int | None:
    """The bar's end: what the crawl can still reach (never below what it already did)."""
    known = [x for x in (max_pages, discovered) if x]
    return max(min(known), crawled) if known else None


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def cmd_crawls(client: Client, args: argparse.Namespace, console: Console) -> int:
    query = {"limit": str(args.limit)} | ({"status": args.status} if args.status else {})
    listing = client.json("GET", "/api/crawls?" + urllib.parse.urlencode(query))
    if args.json:
        _print_json(listing)
    elif listing["items"]:
        console.print(_crawl_table(listing["items"]))
    else:
        console.print("No crawls yet. Start one with: seo crawl https://example.com/ --wait")
    return EXIT_OK


def cmd_status(client: Client, args: argparse.Namespace, console: Console) -> int:
    crawl = client.json("GET", f"/api/crawls/{_quote(args.id)}")
    if args.json:
        _print_json(crawl)
    else:
        console.print(_crawl_table([crawl]))
        if crawl.get("error"):
            console.print(f"[red]Reason:[/] {crawl['error']}")
    return EXIT_OK if crawl["status"] not in ("failed", "cancelled") else EXIT_CRAWL_FAILED


def cmd_issues(client: Client, args: argparse.Namespace, console: Console) -> int:
    query = {"code": args.code, "limit": "1000"} if args.code else {}
    summary = client.json("GET", f"/api/crawls/{_quote(args.id)}/issues?" + urllib.parse.urlencode(query))
    if args.json:
        _print_json(summary)
        return EXIT_OK
    if not summary["items"]:
        console.print("No issues found.")
    else:
        console.print(_issues_table(summary))
    for url in summary.get("urls") or []:
        console.print(f"  {url['status_code'] or '-'}  {url['url']}", markup=False, highlight=False)
    return EXIT_OK


def cmd_export(client: Client, args: argparse.Namespace, console: Console) -> int:
    query = urllib.parse.urlencode({"format": args.format, "what": args.what})
    target = Path(args.output or f"crawl-{args.id}-{args.what}.{'jsonl' if args.format == 'json' else args.format}")
    size = client.download(f"/api/crawls/{_quote(args.id)}/export?{query}", target)
    if args.json:
        _print_json({"file": str(target), "bytes": size})
    else:
        console.print(f"Wrote {target} ({size:,} bytes).")
    return EXIT_OK


def cmd_compare(client: Client, args: argparse.Namespace, console: Console) -> int:
    base = f"/api/crawls/{_quote(args.a)}/compare/{_quote(args.b)}"
    result = client.json("GET", base + (f"?kind={args.kind}&limit=1000" if args.kind else ""))
    if args.json:
        _print_json(result)
        return EXIT_OK
    pages, issues = result["pages"], result["issues"]
    console.print(f"{result['site']}: {result['before']} → {result['after']}")
    console.print(f"Pages: +{pages['added']} added, -{pages['removed']} removed, {pages['changed']} changed.")
    console.print(f"Issues: {issues['new']} new, {issues['fixed']} fixed.")
    table = Table("code", "new", "fixed", title="Issues by code")
    for row in issues["by_code"]:
        table.add_row(row["code"], str(row["new"]), str(row["fixed"]))
    if issues["by_code"]:
        console.print(table)
    for item in result.get("items") or []:
        console.print(f"  {item['url']}", markup=False, highlight=False)
    return EXIT_OK


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _change(value: float | None) -> str:
    if value is None:
        return "-"
    colour = "green" if value > 0 else "red" if value < 0 else "white"
    return f"[{colour}]{value:+g}[/]"


def _sites_table(sites: list[dict[str, Any]]) -> Table:
    table = Table("name", "health", "change", "errors", "warnings", "notices", "last crawl", "next run")
    table.columns.insert(0, Column("id", no_wrap=True, min_width=36))
    for s in sites:
        issues = s["issues"] or {}
        latest = s["latest_crawl"]
        last = f"{latest['status']} {latest['created_at'][:16].replace('T', ' ')}" if latest else "never"
        table.add_row(
            s["id"], s["name"], _score(s["health_score"]), _change(s["health_change"]),
            str(issues.get("error", "-")), str(issues.get("warning", "-")), str(issues.get("notice", "-")),
            last, (s["next_run_at"] or "-")[:16].replace("T", " "),
        )  # fmt: skip
    return table


def cmd_sites(client: Client, args: argparse.Namespace, console: Console) -> int:
    action = args.sites_action or "list"
    if action == "list":
        listing = client.json("GET", "/api/sites")
        if args.json:
            _print_json(listing)
        elif listing["items"]:
            console.print(_sites_table(listing["items"]))
        else:
            console.print("No sites yet. A crawl makes one: seo crawl https://example.com/ --wait")
        return EXIT_OK
    if action == "add":
        body: dict[str, Any] = {"url": args.url}
        if args.name:
            body["name"] = args.name
        if args.retention is not None:
            body["settings"] = {"retention": args.retention}
        site = client.json("POST", "/api/sites", body)
        if args.json:
            _print_json(site)
        else:
            console.print(f"Site {site['id']} ({site['origin']}) created.")
        return EXIT_OK
    if action == "delete":
        client.json("DELETE", f"/api/sites/{_quote(args.id)}")
        if not args.json:
            console.print(f"Site {args.id} deleted.")
        return EXIT_OK
    site = client.json("GET", f"/api/sites/{_quote(args.id)}")
    history = client.json("GET", f"/api/sites/{_quote(args.id)}/history?limit={args.limit}")
    if args.json:
        _print_json({"site": site, "history": history["items"]})
        return EXIT_OK
    console.print(_sites_table([site]))
    table = Table("finished", "pages", "health", "errors", "warnings", "notices", "p50 ms", "p95 ms", title="History")
    table.columns.insert(0, Column("crawl", no_wrap=True, min_width=36))
    for row in history["items"]:
        table.add_row(
            row["crawl_id"], (row["finished_at"] or "-")[:16].replace("T", " "), str(row["pages_crawled"]),
            _score(row["health_score"]), str(row["issues"]["error"]), str(row["issues"]["warning"]),
            str(row["issues"]["notice"]), _score(row["response_time_p50"]), _score(row["response_time_p95"]),
        )  # fmt: skip
    console.print(table if history["items"] else "No completed crawl yet.")
    return EXIT_OK


def _deliveries_text(deliveries: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for d in deliveries:
        counts[d["status"]] = counts.get(d["status"], 0) + 1
    colours = {"delivered": "green", "failed": "red", "pending": "yellow"}
    return " ".join(f"[{colours[k]}]{n} {k}[/]" for k, n in sorted(counts.items())) or "-"


def cmd_alerts(client: Client, args: argparse.Namespace, console: Console) -> int:
    action = args.alerts_action or "list"
    if action == "channels":
        listing = client.json("GET", "/api/channels")
        if args.json:
            _print_json(listing)
            return EXIT_OK
        table = Table("type", "name", "language", "target", title="Channels")
        table.columns.insert(0, Column("id", no_wrap=True, min_width=36))
        for c in listing["items"]:
            target = c["config"].get("url") or c["config"].get("chat_id") or ", ".join(c["config"].get("to", [])) or "-"
            table.add_row(c["id"], c["type"], c["name"], c["language"], str(target))
        console.print(table if listing["items"] else "No channels yet (POST /api/channels, or the UI's Channels page).")
        return EXIT_OK
    if action == "test":
        result = client.json("POST", f"/api/channels/{_quote(args.channel_id)}/test")
        if args.json:
            _print_json(result)
        else:
            console.print(("Delivered: " if result["delivered"] else "[red]Not delivered:[/] ") + result["detail"])
        return EXIT_OK if result["delivered"] else EXIT_CRAWL_FAILED
    if action == "rules":
        listing = client.json("GET", f"/api/sites/{_quote(args.site_id)}/alert-rules")
        if args.json:
            _print_json(listing)
            return EXIT_OK
        table = Table(Column("kind", no_wrap=True), "params", "channels", title="Alert rules")
        table.columns.insert(0, Column("id", no_wrap=True, min_width=36))
        for r in listing["items"]:
            table.add_row(r["id"], r["kind"], json.dumps(r["params"], ensure_ascii=False), str(len(r["channels"])))
        console.print(table if listing["items"] else "No alert rules for this site.")
        return EXIT_OK
    query = {"limit": str(args.limit), "lang": args.lang} | ({"site_id": args.site} if args.site else {})
    listing = client.json("GET", "/api/alerts?" + urllib.parse.urlencode(query))
    if args.json:
        _print_json(listing)
        return EXIT_OK
    table = Table("raised", "site", "what", "deliveries", title="Alerts")
    for a in listing["items"]:
        table.add_row(a["raised_at"][:16].replace("T", " "), a["site_name"] or "-", a["title"],
                      _deliveries_text(a["deliveries"]))  # fmt: skip
    console.print(table if listing["items"] else "No alerts yet.")
    for a in listing["items"]:
        for d in a["deliveries"]:
            if d["status"] == "failed":
                console.print(f"[red]{d['channel_name']}[/]: {d['last_error']}", highlight=False)
    return EXIT_OK


def cmd_state(client: Client, args: argparse.Namespace, console: Console) -> int:
    crawl = client.json("POST", f"/api/crawls/{_quote(args.id)}/{args.command}")
    if args.json:
        _print_json(crawl)
    else:
        console.print(f"Crawl {crawl['id']} is now {crawl['status']}.")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seo", description="Crawl and audit web sites through the SEO crawler API.")
    parser.add_argument("--api-url", help="default: $SEO_API_URL, the config file, or http://localhost:8000")
    parser.add_argument("--token", help="default: $SEO_API_TOKEN or `token` in the config file")
    parser.add_argument("--config", help=f"config file (default {CONFIG_FILE})")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="start a crawl")
    crawl.add_argument("url")
    crawl.add_argument("--max-pages", type=int)
    crawl.add_argument("--max-depth", type=int)
    crawl.add_argument("--concurrency", type=int)
    crawl.add_argument("--max-rps", type=float, help="requests per second to the site")
    crawl.add_argument("--user-agent")
    crawl.add_argument(
        "--user-agent-preset",
        choices=["ours", "googlebot_smartphone", "googlebot_desktop", "bingbot", "yandexbot", "custom"],
        help="pose as this crawler (robots.txt is read for its name)",
    )
    crawl.add_argument("--proxy", metavar="URL", help="http://, https://, socks5:// or socks5h:// host:port")
    crawl.add_argument("--strip-param", action="append", metavar="NAME",
                       help="drop this query parameter before crawling (utm_* for a prefix, all for every one; "
                            "repeatable)")  # fmt: skip
    crawl.add_argument("--lowercase-paths", action="store_true", help="lower-case URL paths before crawling")
    crawl.add_argument("--rewrite", nargs=2, action="append", metavar=("REGEX", "REPLACEMENT"),
                       help="rewrite URLs before crawling (\\1 for a group; repeatable)")  # fmt: skip
    crawl.add_argument("--settings", metavar="FILE.json",
                       help="more crawl settings as JSON (extraction, auth, ...); flags override it")  # fmt: skip
    crawl.add_argument(
        "--basic-auth",
        metavar="USER[:PASSWORD]",
        help="HTTP basic auth for the site (without :PASSWORD, $SEO_AUTH_PASSWORD or a prompt)",
    )
    crawl.add_argument(
        "--header", action="append", metavar="'NAME: VALUE'", help="send this header to the site (repeatable)"
    )
    crawl.add_argument("--cookies", metavar="'a=1; b=2'", help="send these cookies to the site")
    crawl.add_argument("--login-url", metavar="URL", help="form login: the login page (on the site's origin)")
    crawl.add_argument(
        "--login-field", action="append", metavar="NAME=VALUE", help="form login: a field to fill (repeatable)"
    )
    crawl.add_argument("--login-success", metavar="TEXT", help="form login: a text the page after logging in shows")
    crawl.add_argument("--extract", nargs=3, action="append", metavar=("NAME", "TYPE", "EXPRESSION"),
                       help="custom extraction: TYPE is css, xpath, regex or text (repeatable)")  # fmt: skip
    crawl.add_argument("--include", action="append", metavar="REGEX", help="only URLs matching (repeatable)")
    crawl.add_argument("--exclude", action="append", metavar="REGEX", help="skip URLs matching (repeatable)")
    crawl.add_argument("--no-robots", action="store_true", help="ignore robots.txt")
    crawl.add_argument("--no-sitemaps", action="store_true", help="do not read sitemaps")
    crawl.add_argument("--wait", action="store_true", help="show live progress until it ends, then the issues")
    crawl.set_defaults(run=cmd_crawl)

    watch = sub.add_parser("watch", help="follow a crawl's live progress")
    watch.add_argument("id")
    watch.set_defaults(run=cmd_watch)

    crawls = sub.add_parser("crawls", help="list crawls, newest first")
    crawls.add_argument("--limit", type=int, default=20)
    crawls.add_argument("--status", choices=["queued", "running", "paused", "completed", "failed", "cancelled"])
    crawls.set_defaults(run=cmd_crawls)

    status = sub.add_parser("status", help="one crawl")
    status.add_argument("id")
    status.set_defaults(run=cmd_status)

    issues = sub.add_parser("issues", help="issue summary of a crawl")
    issues.add_argument("id")
    issues.add_argument("--code", help="list the URLs with this issue code")
    issues.set_defaults(run=cmd_issues)

    export = sub.add_parser("export", help="download pages, issues or links")
    export.add_argument("id")
    export.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
    export.add_argument("--what", choices=["pages", "issues", "links"], default="pages")
    export.add_argument("-o", "--output", help="file to write (default crawl-ID-WHAT.EXT)")
    export.set_defaults(run=cmd_export)

    comp = sub.add_parser("compare", help="what changed between two crawls of one site")
    comp.add_argument("a")
    comp.add_argument("b")
    comp.add_argument("--kind", choices=["added", "removed", "changed", "issues_new", "issues_fixed"])
    comp.set_defaults(run=cmd_compare)

    sites = sub.add_parser("sites", help="sites: health, issues and next run of each (add, show, delete)")
    sites.set_defaults(run=cmd_sites, sites_action=None)
    sites_sub = sites.add_subparsers(dest="sites_action")
    add = sites_sub.add_parser("add", help="create a site for a URL's origin")
    add.add_argument("url")
    add.add_argument("--name")
    add.add_argument("--retention", type=int, help="completed crawls that keep their pages (0: all)")
    show = sites_sub.add_parser("show", help="one site and its history of completed crawls")
    show.add_argument("id")
    show.add_argument("--limit", type=int, default=50, help="most recent completed crawls")
    delete = sites_sub.add_parser("delete", help="delete a site (and its schedules)")
    delete.add_argument("id")

    alerts = sub.add_parser("alerts", help="alert history (channels, rules, test a channel)")
    alerts.add_argument("--site", help="only this site's alerts")
    alerts.add_argument("--lang", choices=["en", "ru"], default="en")
    alerts.add_argument("--limit", type=int, default=50)
    alerts.set_defaults(run=cmd_alerts, alerts_action=None)
    alerts_sub = alerts.add_subparsers(dest="alerts_action")
    alerts_sub.add_parser("channels", help="delivery channels (secrets are never shown)")
    test = alerts_sub.add_parser("test", help="send a test message through a channel")
    test.add_argument("channel_id")
    rules = alerts_sub.add_parser("rules", help="a site's alert rules")
    rules.add_argument("site_id")

    for action in ("cancel", "pause", "resume"):
        state = sub.add_parser(action, help=f"{action} a crawl")
        state.add_argument("id")
        state.set_defaults(run=cmd_state)

    admin.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "admin", None) is not None:
        return int(args.admin(args))
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    try:
        url, token = load_config(args)
        return int(args.run(Client(url, token), args, console))
    except ApiError as exc:
        errors.print(f"seo: {exc}", markup=False)
        return EXIT_API


if __name__ == "__main__":
    sys.exit(main())
