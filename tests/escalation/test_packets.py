"""Bulk escalation planning and packets: grouping, splitting, notice choice, files."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, date, datetime
from pathlib import Path

from core.escalation.agent import AgentOfRecord
from core.escalation.channels import load_channels, parse_channels
from core.escalation.notices import NoticeWriter
from core.escalation.packets import plan_requests, write_packets
from core.model import CaseStatus, CaseView, LinkView

CHANNELS = load_channels()
NOW = datetime(2026, 11, 28, tzinfo=UTC)
AGENT = AgentOfRecord(
    "ava", signer="Ava Example", email="ava@example.org", jurisdiction="US", address="1 St"
)


def case(code: str, *links: tuple[str, str | None]) -> CaseView:
    views = tuple(LinkView(url, url, url.split("/")[2], platform) for url, platform in links)
    return CaseView(
        1,
        code,
        "ava",
        CaseStatus.CONFIRMED,
        1,
        1,
        NOW,
        NOW,
        views[0].host,
        views[0].platform,
        views,
    )


def test_per_item_recipients_get_one_request_per_url_and_google_gets_one_list() -> None:
    cases = [case(f"LD-{n:06d}", (f"https://x.com/a/status/{n}", "x")) for n in range(5)]
    plan = plan_requests(cases, CHANNELS, AGENT)
    x = [r for r in plan.requests if r.channel.id == "x-take-it-down"]
    google = [r for r in plan.requests if r.channel.id == "google-ncii"]
    assert len(x) == 5 and all(len(r.items) == 1 for r in x)  # X: one report per post
    assert len(google) == 1 and len(google[0].items) == 5  # Search: many URLs per request
    assert {r.notice for r in x} == {"take_it_down"} and plan.cases == 5
    assert plan.urls_per_recipient() == {"x-take-it-down": 5, "google-ncii": 5}


def test_a_recipient_cap_splits_requests() -> None:
    capped = parse_channels(
        """
[[channel]]
id = "tube-abuse"
platform = "tube"
name = "Tube abuse"
kind = "email"
address = "abuse@tube.example"
notices = ["generic_abuse"]
max_urls = 3
checked = "2026-11-28"
source = "test"
"""
    )
    cases = [case(f"LD-{n:06d}", (f"https://tube.example/v/{n}", "tube")) for n in range(7)]
    plan = plan_requests(cases, capped, AGENT)
    assert [len(r.items) for r in plan.requests] == [3, 3, 1]


def test_synthetic_cases_go_to_the_fake_pornography_form_and_dmca_needs_ownership() -> None:
    cases = [case("LD-AAAAAA", ("https://mega.nz/file/abc#key", "mega"))]
    plain = plan_requests(cases, CHANNELS, AGENT)
    fake = plan_requests(cases, CHANNELS, AGENT, synthetic={"LD-AAAAAA"})
    assert {r.channel.id for r in plain.requests} == {"mega-abuse", "google-ncii"}
    assert {r.channel.id for r in fake.requests} == {"mega-abuse", "google-fake"}
    assert [r.notice for r in plain.requests if r.channel.id == "mega-abuse"] == ["generic_abuse"]
    owner = AgentOfRecord(**{**AGENT.__dict__, "owns_content": True, "phone": "+1 555"})
    owned = plan_requests(cases, CHANNELS, owner)
    assert [r.notice for r in owned.requests if r.channel.id == "mega-abuse"] == ["generic_abuse"]
    only_dmca = [c for c in CHANNELS if c.id == "twitch-dmca"]
    twitch = [case("LD-BBBBBB", ("https://twitch.tv/clip/1", "twitch"))]
    assert plan_requests(twitch, only_dmca, AGENT).requests == []  # not the owner: no DMCA
    assert [r.notice for r in plan_requests(twitch, only_dmca, owner).requests] == ["dmca"]


def test_an_eu_creator_files_dsa_notices_where_the_platform_takes_them() -> None:
    eu = AgentOfRecord("ava", signer="Ava", email="ava@example.org", jurisdiction="DE")
    plan = plan_requests([case("LD-CCCCCC", ("https://t.me/chan/5", "telegram"))], CHANNELS, eu)
    telegram = [r for r in plan.requests if r.channel.platform == "telegram"]
    assert [(r.channel.id, r.notice) for r in telegram] == [("telegram-dsa", "dsa_art16")]


def test_escalated_pairs_are_skipped_and_unknown_hosts_are_listed() -> None:
    cases = [
        case("LD-DDDDDD", ("https://x.com/a/status/1", "x")),
        case("LD-EEEEEE", ("https://unknown-host.example/v/1", None)),
    ]
    done = {("LD-DDDDDD", "x-take-it-down"), ("LD-DDDDDD", "google-ncii")}
    plan = plan_requests(cases, CHANNELS, AGENT, done=done)
    assert plan.skipped == 1 and plan.cases == 1
    assert plan.unrouted == [("LD-EEEEEE", "unknown-host.example")]
    assert {r.channel.id for r in plan.requests} == {"google-ncii"}
    only_x = plan_requests(cases, CHANNELS, AGENT, platform="x")
    assert {r.channel.id for r in only_x.requests} == {"x-take-it-down"}


def test_every_notice_lists_the_cases_other_copies() -> None:
    both = case(
        "LD-FFFFFF", ("https://x.com/a/status/1", "x"), ("https://mega.nz/file/q#k", "mega")
    )
    plan = plan_requests([both], CHANNELS, AGENT)
    x = next(r for r in plan.requests if r.channel.id == "x-take-it-down")
    assert x.other_copies == ("https://mega.nz/file/q#k",)


def test_packets_are_written_with_notice_urls_mail_or_form_and_a_summary(tmp_path: Path) -> None:
    cases = [
        case("LD-GGGGGG", ("https://t.me/chan/5", "telegram")),
        case("LD-HHHHHH", ("https://x.com/a/status/2", "x")),
    ]
    plan = plan_requests(cases, CHANNELS, AGENT)
    summary = write_packets(
        plan, tmp_path, AGENT, NoticeWriter(), sender="desk@example.org", today=date(2026, 11, 28)
    )
    index = json.loads((tmp_path / "summary.json").read_text())
    assert index == json.loads(json.dumps(summary))
    assert set(index["channels"]) == {"telegram-abuse", "x-take-it-down", "google-ncii"}
    folders = {name: tmp_path / name for name in index["channels"]}
    [mail] = list(mailbox.mbox(folders["telegram-abuse"] / "messages.mbox"))
    assert mail["To"] == "abuse@telegram.org" and mail["Reply-To"] == "ava@example.org"
    assert mail["Message-ID"].startswith("<escalation-") and "TAKE IT DOWN" in mail["Subject"]
    assert "https://t.me/chan/5" in mail.get_payload()
    form = (folders["x-take-it-down"] / "form.txt").read_text()
    assert "https://help.x.com/forms/safety-and-sensitive-content/take-it-down" in form
    labels = [line for line in form.splitlines() if line.startswith("--- ")]
    assert labels[0] == "--- Full name ---" and labels[-1] == "--- Signature ---"
    assert "https://x.com/a/status/2" in form
    urls = (folders["google-ncii"] / "urls.csv").read_text().splitlines()
    assert urls[0] == "request,case_code,url" and len(urls) == 3
    assert "unverified channel" in (tmp_path / "summary.txt").read_text()  # telegram-abuse


def test_a_per_item_recipient_gets_its_requests_in_one_folder(tmp_path: Path) -> None:
    cases = [case(f"LD-{n:06d}", (f"https://x.com/a/status/{n}", "x")) for n in range(3)]
    plan = plan_requests(cases, CHANNELS, AGENT)
    write_packets(plan, tmp_path, AGENT, NoticeWriter(), today=date(2026, 11, 28))
    form = (tmp_path / "x-take-it-down" / "form.txt").read_text()
    assert form.count("===== request ") == 3 and "request 3 of 3: LD-000002" in form
    notices = (tmp_path / "x-take-it-down" / "notice.txt").read_text()
    assert notices.count("Subject: TAKE IT DOWN") == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "google-ncii",
        "summary.json",
        "summary.txt",
        "x-take-it-down",
    ]
