"""Table-driven tests of link canonicalization: pairs that must and must not share a key."""

from __future__ import annotations

import pytest

from core.errors import InvalidLink
from core.urls import CANONICAL_VERSION, canonicalize, default_registry, extract_links

SAME = [
    # scheme, host case, www, trailing dot, default port
    ("http://Example.com/a", "https://www.example.com/a"),
    ("https://example.com./a", "https://example.com:443/a"),
    ("http://example.com:80/a", "https://EXAMPLE.COM/a"),
    ("https://m.example.com/a", "https://mobile.example.com/a"),
    # IDN to punycode
    ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
    # dot segments, percent-escapes of unreserved characters
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/%7Euser", "https://example.com/~user"),
    ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
    # tracking parameters, query order, fragments
    ("https://example.com/v?id=3&utm_source=tw&utm_medium=x", "https://example.com/v?id=3"),
    ("https://example.com/v?b=2&a=1", "https://example.com/v?a=1&b=2"),
    ("https://example.com/v?id=1&fbclid=abc&gclid=d&igshid=e", "https://example.com/v?id=1"),
    ("https://example.com/v?id=1&feature=share", "https://example.com/v?id=1"),
    ("https://example.com/v?id=1&ref=home", "https://example.com/v?id=1"),
    ("https://example.com/v#comments", "https://example.com/v"),
    # X / Twitter and its mirrors
    (
        "https://twitter.com/Someone/status/1234567890",
        "https://x.com/someone_else/status/1234567890",
    ),
    ("https://x.com/a/status/1234567890?s=20&t=AbCd", "https://x.com/a/status/1234567890"),
    ("https://mobile.twitter.com/a/status/1234567890", "https://x.com/i/web/status/1234567890"),
    ("https://fxtwitter.com/a/status/1234567890", "https://vxtwitter.com/a/status/1234567890"),
    ("https://fixupx.com/a/status/1234567890/photo/1", "https://x.com/a/status/1234567890"),
    # Reddit
    (
        "https://old.reddit.com/r/sub/comments/abc123/some_title/",
        "https://www.reddit.com/r/sub/comments/abc123",
    ),
    ("https://redd.it/abc123", "https://new.reddit.com/r/other/comments/abc123/x/"),
    (
        "https://reddit.com/r/sub/comments/abc123/?share_id=z&utm_name=y",
        "https://reddit.com/comments/abc123",
    ),
    # YouTube
    ("https://youtu.be/dQw4w9WgXcQ?si=tracking", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
    (
        "https://m.youtube.com/shorts/dQw4w9WgXcQ",
        "https://youtube.com/watch?v=dQw4w9WgXcQ&feature=shared",
    ),
    # Telegram web preview
    ("https://t.me/s/leakchannel/42", "https://t.me/leakchannel/42"),
    ("https://telegram.me/leakchannel/42", "https://t.me/leakchannel/42"),
    # MEGA: one item by its handle, whatever key (or none) comes with it; old #! links
    ("https://mega.nz/#!AbCdEf12!KeyKeyKey_-9", "https://mega.nz/file/AbCdEf12#KeyKeyKey_-9"),
    ("https://mega.co.nz/#F!Fold1234!FolderKey", "https://mega.nz/folder/Fold1234#FolderKey"),
    ("https://mega.nz/file/AbCdEf12#KeyA", "https://mega.nz/file/AbCdEf12#KeyB"),
    ("https://mega.nz/file/AbCdEf12", "https://mega.nz/file/AbCdEf12#KeyA"),
    ("https://mega.nz/#!AbCdEf12", "https://mega.nz/file/AbCdEf12#KeyA"),
    # trailing slashes that mean nothing on a platform
    ("https://x.com/a/status/1234567890/", "https://x.com/a/status/1234567890"),
    ("https://www.erome.com/a/AbCd1234/", "https://erome.com/a/AbCd1234"),
    # an address literal in another spelling is the same host
    ("http://0x08080808/a", "https://8.8.8.8/a"),
    # hash-bang routes keep their fragment
    ("http://example.com/app#!/video/9", "https://www.example.com/app#!/video/9"),
    # Discord signed CDN links
    (
        "https://cdn.discordapp.com/attachments/1/2/a.png?ex=65&is=66&hm=abcdef",
        "https://media.discordapp.net/attachments/1/2/a.png",
    ),
]

#: real-world disguises of one item, one or more per registered platform (independent of the
#: registry's own examples, so deleting a rule from platforms.toml fails here)
PLATFORM_SAME = [
    ("https://www.tiktok.com/@leaker/video/7301234567890123456?is_from_webapp=1&sender_device=pc",
     "https://m.tiktok.com/v/7301234567890123456.html"),
    ("https://vxtiktok.com/@x/video/7301234567890123456", "https://tiktok.com/embed/v2/7301234567890123456"),
    ("https://www.threads.net/@someone/post/C9xYz_12AbC?xmt=AQG&slof=1", "https://threads.com/t/C9xYz_12AbC"),
    ("https://bsky.app/profile/a.bsky.social/post/3kabc2xyz/", "https://fxbsky.app/profile/a.bsky.social/post/3kabc2xyz"),
    ("https://www.snapchat.com/@a/spotlight/W7_EDlXWTBiXAE?share_id=x&locale=en", "https://snapchat.com/spotlight/W7_EDlXWTBiXAE"),
    ("https://kick.com/streamer?clip=clip_01HXYZ", "https://kick.com/streamer/clips/clip_01HXYZ"),
    ("https://clips.twitch.tv/FunnyClip-AbC123", "https://www.twitch.tv/streamer/clip/FunnyClip-AbC123?filter=clips&range=7d"),
    ("https://clips.twitch.tv/embed?clip=FunnyClip-AbC123&parent=example.com", "https://m.twitch.tv/clip/FunnyClip-AbC123"),
    ("https://onlyfans.com/1234567890/creator", "https://onlyfans.com/1234567890/creator_renamed"),
    ("https://onlyfans.com/creator/media", "https://onlyfans.com/creator/"),
    ("https://fansly.com/creator/posts", "https://fansly.com/creator"),
    ("https://www.patreon.com/posts/leaked-set-98765432?utm_medium=clipboard_copy&l=de", "https://patreon.com/posts/98765432"),
    ("https://www.redgifs.com/watch/lightsalmondistantraven", "https://media.redgifs.com/LightSalmonDistantRaven-mobile.mp4"),
    ("https://v3.redgifs.com/ifr/LightSalmonDistantRaven", "https://www.gifdeliverynetwork.com/LightSalmonDistantRaven"),
    ("https://i.imgur.com/AbC1234m.jpg", "https://imgur.com/AbC1234"),
    ("https://imgur.com/gallery/some-title-Xy12AbC", "https://imgur.com/a/Xy12AbC"),
    ("https://de.pornhub.com/view_video.php?viewkey=ph5f1234&pkey=9&t=30", "https://www.pornhub.org/embed/ph5f1234"),
    ("https://www.youporn.com/watch/16789012/a-title/", "https://youporn.com/embed/16789012"),
    ("https://embed.redtube.com/?id=41234567", "https://de.redtube.com/41234567"),
    ("https://www.xvideos.com/video12345678/a_title", "https://xvideos2.com/embedframe/12345678"),
    ("https://www.xnxx.com/video-abc1234/a_title", "https://xnxx.tv/embedframe/abc1234"),
    ("https://xhamster.com/videos/a-long-title-xhAbC12", "https://de.xhamster.desi/embed/xhAbC12"),
    ("https://spankbang.com/8abcd/video/some+title", "https://de.spankbang.com/8abcd/embed/"),
    ("https://www.eporner.com/hd-porn/AbCdEf123/Title/", "https://eporner.com/embed/AbCdEf123"),
    ("https://mega.nz/folder/Fold1234#FolderKey/file/Sub56789", "https://mega.io/folder/Fold1234#Other/file/Sub56789"),
    ("https://gofile.io/?c=AbC123", "https://gofile.io/d/AbC123/"),
    ("https://pixeldrain.com/api/file/AbCd1234?download", "https://pixeldra.in/u/AbCd1234"),
    ("https://bunkr.su/v/some-video-AbCd1234.mp4", "https://bunkrr.su/f/some-video-AbCd1234.mp4"),
    ("https://www.mediafire.com/file/abc123def456ghi/leak.zip/file", "https://mediafire.com/?abc123def456ghi"),
    ("https://www.dropbox.com/scl/fi/abc123xyz/leak.jpg?rlkey=k3y&dl=0", "https://dl.dropboxusercontent.com/scl/fi/abc123xyz/leak.jpg?dl=1"),
    ("https://drive.google.com/file/d/1AbCdEfGhIjK/view?usp=sharing", "https://drive.google.com/uc?id=1AbCdEfGhIjK&export=download"),
    ("https://drive.google.com/open?id=1AbCdEfGhIjK", "https://drive.usercontent.google.com/download?id=1AbCdEfGhIjK&authuser=0"),
    ("https://www.terabox.com/sharing/link?surl=AbCdEf12345", "https://1024terabox.com/s/1AbCdEf12345?pwd=x1y2"),
    ("https://coomer.party/onlyfans/user/creator/post/123?o=50", "https://coomer.su/onlyfans/user/creator/post/123"),
    ("https://n2.coomer.su/data/ab/cd/abcd1234.jpg?f=leak.jpg", "https://coomer.st/data/ab/cd/abcd1234.jpg"),
    ("https://kemono.party/patreon/user/1/post/2", "https://kemono.su/patreon/user/1/post/2/"),
    ("https://simpcity.su/threads/creator-leaks.123456/post-7654321", "https://simpcity.cr/goto/post?id=7654321"),
    ("https://simpcity.su/threads/creator-leaks.123456/", "https://simpcity.li/threads/123456"),
    ("https://forums.socialmediagirls.com/threads/creator.98765/page-2", "https://forums.socialmediagirls.com/threads/98765/page-2/"),
    ("https://nudostar.com/forum/threads/creator.55555/post-666666", "https://nudostar.com/forum/posts/666666"),
    ("https://www.instagram.com/someone/reel/C1a2B3c4D5e/?igsh=abc", "https://instagr.am/p/C1a2B3c4D5e"),
]  # fmt: skip

PLATFORM_DIFFERENT = [
    ("https://tiktok.com/@a/video/7301234567890123456", "https://tiktok.com/@a/video/7301234567890123457"),
    ("https://clips.twitch.tv/ClipA", "https://twitch.tv/ClipA"),  # a clip is not a channel
    ("https://onlyfans.com/1234567890/creator", "https://onlyfans.com/1234567891/creator"),
    ("https://xvideos.com/video.abc123", "https://xvideos.com/videoabc123"),
    ("https://youporn.com/watch/16789012", "https://redtube.com/16789012"),
    ("https://drive.google.com/file/d/1AbCdEfGhIjK", "https://drive.google.com/file/d/1AbCdEfGhIjL"),
    ("https://simpcity.su/threads/123456/page-2", "https://simpcity.su/threads/123456/page-3"),
    ("https://coomer.su/onlyfans/user/a/post/1", "https://kemono.su/onlyfans/user/a/post/1"),
    ("https://erome.com/a/AbCd1234", "https://erome.com/a/abcd1234"),  # ids are case-sensitive
    ("https://gofile.io/d/AbC123", "https://gofile.io/d/AbC124"),
]  # fmt: skip

DIFFERENT = [
    # path case is kept
    ("https://example.com/Video/AbC", "https://example.com/video/abc"),
    # MEGA: a different file, or a folder with the same handle, is a different item
    ("https://mega.nz/#!AbCdEf12!Key", "https://mega.nz/#!ZzCdEf12!Key"),
    ("https://mega.nz/file/AbCdEf12#Key", "https://mega.nz/folder/AbCdEf12#Key"),
    # a trailing slash on an unknown host may mean something
    ("https://example.com/a/", "https://example.com/a"),
    # hash-bang routes differ by their fragment
    ("https://example.com/app#!/video/9", "https://example.com/app#!/video/10"),
    # different posts, hosts, query values
    ("https://x.com/a/status/1234567890", "https://x.com/a/status/1234567891"),
    ("https://x.com/a/status/1234567890", "https://example.com/a/status/1234567890"),
    ("https://example.com/v?id=1", "https://example.com/v?id=2"),
    ("https://example.com/v?id=1", "https://example.org/v?id=1"),
    # s and t are only tracking on X
    ("https://example.com/search?s=leak", "https://example.com/search?s=other"),
    (
        "https://pornhub.com/view_video.php?viewkey=abc",
        "https://pornhub.com/view_video.php?viewkey=abd",
    ),
    ("https://sub.example.com/a", "https://example.com/a"),
    ("https://example.com:8080/a", "https://example.com/a"),
]


@pytest.mark.parametrize(("left", "right"), SAME)
def test_equivalent_links_share_a_key(left: str, right: str) -> None:
    a, b = canonicalize(left), canonicalize(right)
    assert a.canonical == b.canonical
    assert a.key == b.key


@pytest.mark.parametrize(("left", "right"), PLATFORM_SAME)
def test_platform_disguises_share_a_key(left: str, right: str) -> None:
    assert canonicalize(left).canonical == canonicalize(right).canonical


@pytest.mark.parametrize(("left", "right"), PLATFORM_DIFFERENT)
def test_platform_items_stay_apart(left: str, right: str) -> None:
    assert canonicalize(left).key != canonicalize(right).key


@pytest.mark.parametrize(("left", "right"), DIFFERENT)
def test_distinct_links_have_distinct_keys(left: str, right: str) -> None:
    assert canonicalize(left).key != canonicalize(right).key


def test_original_is_kept_exactly_and_key_is_versioned() -> None:
    raw = "https://X.com/Someone/status/1234567890?s=20"
    link = canonicalize(raw)
    assert link.original == raw
    assert link.canonical == "https://x.com/i/status/1234567890"
    assert link.platform == "x"
    assert link.version == CANONICAL_VERSION
    assert len(link.key) == 64 and int(link.key, 16) >= 0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("javascript:alert(1)", "javascript"),
        ("data:text/html,hi", "data"),
        ("file:///etc/passwd", "file"),
        ("ftp://example.com/a", "http"),
        ("not a link", "spaces"),
        ("hello", "not a web link"),
        ("https://example.com/" + "a" * 2100, "2048"),
        ("http://127.0.0.1/a", "private"),
        ("http://localhost:8080/", "private"),
        ("http://192.168.1.4/x", "private"),
        ("http://[::1]/x", "private"),
        ("http://", "host"),
        # private and loopback addresses in other spellings (issue 9 #9)
        ("http://127.1/", "private address (loopback)"),
        ("http://0177.0.0.1/", "private address (loopback)"),
        ("http://127.000.000.001/", "private address (loopback)"),
        ("http://0x7f000001/", "private address (loopback)"),
        ("http://2130706433/", "private address (loopback)"),
        ("http://10.1/", "private address (private)"),
        ("http://192.168.1/", "private address (private)"),
        ("http://[64:ff9b::7f00:1]/", "private address (NAT64 loopback)"),
        ("http://[2002:7f00:1::]/", "private address (6to4 loopback)"),
        ("http://[::ffff:127.0.0.1]/", "private address (IPv4-mapped loopback)"),
        ("http://169.254.169.254/latest/meta-data", "private address (link-local)"),
        ("http://app.localhost/", "private address (loopback)"),
        # malformed hosts and ports
        ("https://example.com:99999/", "invalid port"),
        ("https://example.com:0/", "invalid port"),
        ("https://-bad-.com/", "no valid host"),
        ("https://xn--zz.com/", "invalid international domain name"),
        ("https://1.2.3.256/", "no valid host"),
        ("https://intranet/", "not a public web address"),
    ],
)
def test_bad_links_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidLink) as err:
        canonicalize(raw)
    assert reason in str(err.value)


def test_mega_key_is_kept_in_the_original_for_the_notice() -> None:
    with_key = canonicalize("https://mega.nz/file/AbCdEf12#TheKey")
    without = canonicalize("https://mega.nz/file/AbCdEf12")
    assert with_key.key == without.key
    assert with_key.original == "https://mega.nz/file/AbCdEf12#TheKey"
    assert "TheKey" not in with_key.canonical


@pytest.mark.parametrize("raw", ["http://127.0.0.1:8080/pic.png", "http://127.1/pic.png"])
def test_allow_listed_networks_are_accepted(raw: str) -> None:
    registry = default_registry(None, "127.0.0.1/32")
    link = canonicalize(raw, registry)
    assert link.canonical.startswith("https://127.0.0.1")
    assert canonicalize(link.canonical, registry).key == link.key
    with pytest.raises(InvalidLink, match="private"):
        canonicalize(raw)  # the default registry allows nothing


def test_allow_list_exempts_only_its_networks() -> None:
    registry = default_registry(None, "10.0.0.0/8")
    assert canonicalize("http://10.1.2.3/a", registry).host == "10.1.2.3"
    assert canonicalize("http://10.1/a", registry).host == "10.0.0.1"
    for raw in ("http://127.0.0.1/a", "http://192.168.1.1/a", "http://localhost/a"):
        with pytest.raises(InvalidLink, match="private"):
            canonicalize(raw, registry)
    assert canonicalize("http://localhost:8000/a", default_registry(None, "127.0.0.1/32"))


def test_links_without_a_scheme_are_accepted() -> None:
    assert canonicalize("example.com/leak").canonical == "https://example.com/leak"


def test_extract_links_from_chat_text() -> None:
    text = "look (https://x.com/a/status/1) and www.example.com/v?id=2, also example.org/p."
    assert extract_links(text) == [
        "https://x.com/a/status/1",
        "www.example.com/v?id=2",
        "example.org/p",
    ]
    assert extract_links("no links here, just words.") == []


def test_a_lone_surrogate_makes_a_link_malformed_on_every_platform() -> None:
    for raw in ("https://imgur.com/a\udc80b", "https://x.com/a/status/1\ud800", "e.com/\udfff"):
        with pytest.raises(InvalidLink, match="malformed"):
            canonicalize(raw)
