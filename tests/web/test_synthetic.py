"""The case page's "AI-generated?" decision: yes or no, audit-logged, CSRF-checked, translated."""

from __future__ import annotations

from db.audit_verify import verify_audit_chain
from tests.web.conftest import MODERATOR, Dashboard, seed


async def test_a_moderator_decides_yes_then_no_from_the_case_page(dashboard: Dashboard) -> None:
    app = dashboard.app
    [code] = await seed(app, "alice", ["https://example.com/fake/1"])
    csrf = await dashboard.sign_in()
    page = await dashboard.client.get(f"/cases/{code}")
    assert 'id="synthetic">not decided yet' in page.text
    assert f'action="/cases/{code}/synthetic"' in page.text and 'value="yes"' in page.text

    answered = await dashboard.client.post(
        f"/cases/{code.lower()}/synthetic", data={"csrf": csrf, "answer": "yes"}
    )
    assert answered.status_code == 303 and answered.headers["location"] == f"/cases/{code}"
    case = await app.cases.get_case(code)
    assert case is not None and case.synthetic and case.synthetic_by == MODERATOR
    page = await dashboard.client.get(f"/cases/{code}")
    assert f"marked synthetic (deepfake) by {MODERATOR}" in page.text

    await dashboard.client.post(f"/cases/{code}/synthetic", data={"csrf": csrf, "answer": "no"})
    case = await app.cases.get_case(code)
    assert case is not None and not case.synthetic and case.synthetic_by == MODERATOR
    page = await dashboard.client.get(f"/cases/{code}")
    assert f"not synthetic (decided by {MODERATOR})" in page.text
    trail = await app.cases.audit_log(code)
    assert [action for _, action, _ in trail][-2:] == ["synthetic", "not_synthetic"]
    assert (await verify_audit_chain(app.engine)).ok


async def test_forged_unknown_and_foreign_answers_are_refused(dashboard: Dashboard) -> None:
    app = dashboard.app
    [mine] = await seed(app, "alice", ["https://example.com/fake/2"])
    [bobs] = await seed(app, "bob", ["https://example.com/fake/3"])
    csrf = await dashboard.sign_in()
    for path, data, status in (
        (f"/cases/{mine}/synthetic", {"csrf": "0" * 40, "answer": "yes"}, 403),
        (f"/cases/{mine}/synthetic", {"csrf": csrf, "answer": "maybe"}, 400),
        (f"/cases/{bobs}/synthetic", {"csrf": csrf, "answer": "yes"}, 404),
        ("/cases/LD-ZZZZZZ/synthetic", {"csrf": csrf, "answer": "yes"}, 404),
    ):
        response = await dashboard.client.post(path, data=data)
        assert response.status_code == status, (path, data, response.text[:200])
    for code in (mine, bobs):
        case = await app.cases.get_case(code)
        assert case is not None and not case.synthetic and case.synthetic_by is None


async def test_the_decision_speaks_the_creators_language(dashboard: Dashboard) -> None:
    app = dashboard.app
    [code] = await seed(app, "alice", ["https://example.com/fake/4"])
    await app.creators.set_language("alice", "es")
    csrf = await dashboard.sign_in()
    page = await dashboard.client.get(f"/cases/{code}")
    assert "aún sin decidir" in page.text and "Generado por IA: sí" in page.text
    assert "not decided yet" not in page.text and "AI-generated: yes" not in page.text
    await dashboard.client.post(f"/cases/{code}/synthetic", data={"csrf": csrf, "answer": "yes"})
    page = await dashboard.client.get(f"/cases/{code}")
    assert f"por {MODERATOR}" in page.text and "deepfake" in page.text
