"""og:image extraction with the stdlib parser."""

from __future__ import annotations

import pytest

from core.media.html import HEAD_BYTES, extract_image_url

PAGE = "https://host.example/posts/42"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<meta property="og:image" content="https://cdn.example/a.jpg">',
            "https://cdn.example/a.jpg",
        ),
        ('<meta property="og:image" content="/img/a.jpg">', "https://host.example/img/a.jpg"),
        ('<meta property="og:image" content="a.jpg">', "https://host.example/posts/a.jpg"),
        ('<meta property="og:image" content="//cdn.example/b.png">', "https://cdn.example/b.png"),
        (
            '<meta property="og:image" content="http://x/1.jpg">'
            '<meta property="og:image:secure_url" content="https://x/1.jpg">',
            "https://x/1.jpg",
        ),
        (
            '<meta name="twitter:image" content="https://t.example/t.jpg">',
            "https://t.example/t.jpg",
        ),
        (
            '<meta name="twitter:image" content="https://t/t.jpg">'
            '<meta property="og:image" content="https://o/o.jpg">',
            "https://o/o.jpg",
        ),
        ('<link rel="image_src" href="/l.jpg">', "https://host.example/l.jpg"),
        (
            '<img src="/icon.png" width="16" height="16">'
            '<img src="/big.jpg" width="800" height="600">',
            "https://host.example/big.jpg",
        ),
        ('<img src="/icon.png" width="16"><img src="/other.png">', "https://host.example/icon.png"),
        ('<img src="data:image/png;base64,AAAA"><img src="/x.jpg">', "https://host.example/x.jpg"),
        (
            '<base href="https://other.example/dir/"><img src="p.jpg">',
            "https://other.example/dir/p.jpg",
        ),
        (
            '<meta property="og:image" content="https://x/a.jpg?a=1&amp;b=2">',
            "https://x/a.jpg?a=1&b=2",
        ),
        (
            '<meta property="og:image" content="javascript:alert(1)"><img src="/ok.jpg">',
            "https://host.example/ok.jpg",
        ),
        ('<img src="/big.jpg" width="300px" height="300px">', "https://host.example/big.jpg"),
        ("<html><body><p>no images</p></body></html>", None),
        ("", None),
    ],
)
def test_extract_image_url(html: str, expected: str | None) -> None:
    assert extract_image_url(html.encode(), PAGE) == expected


def test_broken_markup_does_not_raise() -> None:
    html = b'<![if foo]><meta property="og:image" content="/a.jpg"><div <<<'
    assert extract_image_url(html, PAGE) == "https://host.example/a.jpg"


CRAFTED = "<html>" + "<a " * 7000  # 21 KB: 12 s with html.parser, which is quadratic on it


@pytest.mark.parametrize("size", [21_000, 1_000_000])
def test_crafted_pages_are_scanned_in_one_pass(size: int) -> None:
    """The page that froze the event loop, at 21 KB and at the fetch cap's 1 MB."""
    page = (CRAFTED * (size // len(CRAFTED) + 1))[:size]
    assert extract_image_url(page.encode(), PAGE) is None
    lead = '<head><meta property="og:image" content="/lead.jpg">'
    assert extract_image_url((lead + page).encode(), PAGE) == "https://host.example/lead.jpg"


def test_only_the_head_of_a_page_is_read() -> None:
    filler = "<p>" + "x" * (HEAD_BYTES + 10)
    late = '<meta property="og:image" content="/late.jpg">'
    assert extract_image_url((filler + late).encode(), PAGE) is None
    assert (
        extract_image_url(late.encode() + filler.encode(), PAGE) == "https://host.example/late.jpg"
    )


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<meta content="/c.jpg" property=og:image>', "https://host.example/c.jpg"),
        ("<META PROPERTY='og:image' CONTENT='/u.jpg'>", "https://host.example/u.jpg"),
        (
            '<!-- <meta property="og:image" content="/no.jpg"> --><img src="/y.jpg">',
            "https://host.example/y.jpg",
        ),
        (
            '<script>var s = \'<meta property="og:image" content="/no.jpg">\';</script>'
            "<img src=/y.jpg>",
            "https://host.example/y.jpg",
        ),
        (
            '<meta property="og:image" content="/x.jpg?a=1&amp;b=2">',
            "https://host.example/x.jpg?a=1&b=2",
        ),
        ('<meta property="og:image" content="/open.jpg', None),
        ("<img src=/a.jpg", None),
        ("<!-- never closed <img src=/a.jpg>", None),
    ],
)
def test_tokenizer_corners(html: str, expected: str | None) -> None:
    assert extract_image_url(html.encode(), PAGE) == expected
