"""Find the image a web page is about (og:image and friends), with the stdlib parser.

Priority: ``og:image`` (``:secure_url``/``:url``) → ``twitter:image`` →
``<link rel="image_src">`` → the first ``<img>`` whose ``width`` and ``height``
attributes are both ≥ 200 → the first ``<img>``.  Relative URLs are resolved
against ``<base href>`` or the page URL; only http(s) results are returned.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

LARGE_IMG_PX = 200
_OG_KEYS = ("og:image:secure_url", "og:image:url", "og:image")
_TWITTER_KEYS = ("twitter:image", "twitter:image:src")


def extract_image_url(page: bytes | str, page_url: str) -> str | None:
    """Return the absolute URL of the page's main image, or ``None`` if it names none."""
    text = page.decode("utf-8", "replace") if isinstance(page, bytes) else page
    parser = _ImageFinder()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:  # html.parser gives up on some malformed markup
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    for candidate in parser.ranked():
        absolute = urljoin(base, candidate.strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.og: dict[str, str] = {}
        self.twitter: dict[str, str] = {}
        self.link_image: str | None = None
        self.large_img: str | None = None
        self.first_img: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "base" and self.base is None and attr.get("href"):
            self.base = attr["href"]
        elif tag == "meta":
            key = (attr.get("property") or attr.get("name") or "").strip().lower()
            content = attr.get("content", "").strip()
            if content and key in _OG_KEYS:
                self.og.setdefault(key, content)
            elif content and key in _TWITTER_KEYS:
                self.twitter.setdefault(key, content)
        elif tag == "link" and "image_src" in attr.get("rel", "").lower().split():
            self.link_image = self.link_image or attr.get("href") or None
        elif tag == "img":
            src = attr.get("src") or attr.get("data-src") or ""
            if not src or src.startswith("data:"):
                return
            if self.first_img is None:
                self.first_img = src
            if self.large_img is None and _is_large(attr):
                self.large_img = src

    handle_startendtag = handle_starttag

    def ranked(self) -> list[str]:
        found = [self.og.get(key) for key in _OG_KEYS]
        found += [self.twitter.get(key) for key in _TWITTER_KEYS]
        found += [self.link_image, self.large_img, self.first_img]
        return [url for url in found if url]


def _is_large(attr: dict[str, str]) -> bool:
    return (
        _pixels(attr.get("width")) >= LARGE_IMG_PX and _pixels(attr.get("height")) >= LARGE_IMG_PX
    )


def _pixels(value: str | None) -> int:
    digits = (value or "").strip().lower().removesuffix("px")
    return int(digits) if digits.isdigit() and len(digits) < 7 else 0
