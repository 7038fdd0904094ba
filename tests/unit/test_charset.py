"""Charset: header, BOM, meta tag, detection."""

from __future__ import annotations

from shared import charset

RUSSIAN = "Привет, мир! Это страница на русском языке, и она должна читаться как кириллица."


def test_header_wins_over_meta() -> None:
    body = f'<meta charset="utf-8"><p>{RUSSIAN}</p>'.encode("cp1251")
    text, name = charset.decode(body, "text/html; charset=windows-1251")
    assert RUSSIAN in text and name == "cp1251"


def test_meta_charset_and_http_equiv() -> None:
    body = f'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>{RUSSIAN}</p>'
    text, name = charset.decode(body.encode("cp1251"), "text/html")
    assert RUSSIAN in text and name == "cp1251"


def test_bom_wins() -> None:
    text, name = charset.decode(b"\xef\xbb\xbf<p>\xc3\xa9</p>", "text/html; charset=iso-8859-1")
    assert text == "<p>é</p>" and name == "utf-8"


def test_detection_reads_undeclared_cp1251_as_cyrillic() -> None:
    text, _ = charset.decode(f"<html><body><p>{RUSSIAN * 3}</p></body></html>".encode("cp1251"), "text/html")
    assert RUSSIAN in text


def test_invalid_utf8_and_unknown_labels_never_raise() -> None:
    text, name = charset.decode(b"<p>ok \xff\xfe\xfa broken</p>", "text/html; charset=utf-8")
    assert "ok" in text and "\ufffd" in text and name == "utf-8"
    text, _ = charset.decode(b"<p>plain</p>", "text/html; charset=no-such-charset")
    assert "plain" in text
