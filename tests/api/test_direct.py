"""The case view's direct route answers as the declared FastAPI route did."""

from __future__ import annotations

import dataclasses

from ecluse.api._direct import DirectRoute
from tests.ledger._writers import vanishing_writer

from .conftest import AGENT, OTHER_VENDOR, World


def _view_scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path}


def test_only_get_with_a_well_formed_id_goes_direct(world: World) -> None:
    direct = world.app.router.routes[0]
    assert isinstance(direct, DirectRoute)
    assert direct.matches(_view_scope("GET", "/api/v1/cases/k_ab-12"))[1] == {
        "path_params": {"id": "k_ab-12"}
    }
    for method, path in (
        ("POST", "/api/v1/cases/k1"),
        ("GET", "/api/v1/cases/k1/history"),
        ("GET", "/api/v1/cases/" + "k" * 41),
        ("GET", "/api/v1/cases/k.1"),
        ("GET", "/api/v1/cases/"),
    ):
        assert direct.matches(_view_scope(method, path))[1] == {}, (method, path)


def test_errors_come_from_the_app_handlers(world: World) -> None:
    case = world.desk.open_case(world.customer("fr"), "invoice_explanation")
    anonymous = world.client().get(f"cases/{case.id}")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthenticated"
    bearer = world.client()
    bearer.headers["Authorization"] = "Bearer nonsense"
    unknown = bearer.get(f"cases/{case.id}")
    assert unknown.status_code == 401 and unknown.headers["WWW-Authenticate"]
    # Another vendor's agent: the same 404 as for a case that does not exist.
    other = world.logged_in(OTHER_VENDOR)
    theirs, ghost = other.get(f"cases/{case.id}"), other.get("cases/k_does_not_exist")
    assert theirs.status_code == ghost.status_code == 404
    assert theirs.json() == ghost.json()


def test_what_it_does_not_take_falls_through_to_fastapi(world: World) -> None:
    c = world.logged_in(AGENT)
    too_long = c.get("cases/" + "k" * 41)
    assert too_long.status_code == 422 and too_long.json()["field"] == "path.case_id"
    spec = c.get("/api/v1/openapi.json").json()
    assert "get" in spec["paths"]["/api/v1/cases/{case_id}"]


def test_a_get_with_a_body_takes_the_middleware_path_to_the_same_answer(world: World) -> None:
    agent, lead = world.who(AGENT), world.who("lead@atlas-contact.example")
    case = world.desk.open_case(world.customer("fr"), "invoice_explanation")
    if case.assignee_id != agent.person_id:
        world.desk.assign(lead, case.id, agent.person_id)
    c = world.logged_in(AGENT)
    bare, with_body = c.get(f"cases/{case.id}"), c.get(f"cases/{case.id}", content=b"{}")
    assert bare.status_code == with_body.status_code == 200
    assert bare.json()["fields"] == with_body.json()["fields"]
    too_big = c.get(f"cases/{case.id}", content=b"x" * 70_000)
    assert too_big.status_code == 413 and too_big.json()["error"] == "too_large"


def test_the_view_is_recorded_before_it_is_answered_on_the_loop_or_a_pool_thread(
    world: World,
) -> None:
    """GIVEN the case view's reads on the event loop (a local database) or on a pool thread (a
    remote PostgreSQL) WHEN the agent opens the case both ways THEN both answers are the same
    and each one's ledger entry was durable before it came back."""
    agent, lead = world.who(AGENT), world.who("lead@atlas-contact.example")
    case = world.desk.open_case(world.customer("fr"), "meter_move")
    if case.assignee_id != agent.person_id:
        world.desk.assign(lead, case.id, agent.person_id)
    c = world.logged_in(AGENT)
    state = world.app.state.ecluse
    answers = []
    try:
        for inline in (True, False):
            world.app.state.ecluse = dataclasses.replace(state, inline=inline)
            before = len(world.desk.ledger.entries_for_case(case.id))
            answers.append(c.get(f"cases/{case.id}"))
            views = world.desk.ledger.entries_for_case(case.id)[before:]
            assert [e.kind for e in views] == ["view"], inline
    finally:
        world.app.state.ecluse = state
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["fields"] == answers[1].json()["fields"]


def test_a_writer_gone_before_confirming_the_view_shows_nothing(world: World) -> None:
    """GIVEN the workers' ledger writer takes the view's entry and goes away unanswered WHEN
    the agent opens the case THEN the answer is 503 with no customer data (the access may not
    be recorded, so it is not shown), and the next view, with no writer to reach, is
    recorded by the worker itself and shown."""
    agent, lead = world.who(AGENT), world.who("lead@atlas-contact.example")
    case = world.desk.open_case(world.customer("fr"), "meter_move")
    if case.assignee_id != agent.person_id:
        world.desk.assign(lead, case.id, agent.person_id)
    c = world.logged_in(AGENT)
    with vanishing_writer() as (path, vanished):
        world.desk.ledger.use_writer(path)
        try:
            lost = c.get(f"cases/{case.id}")
            vanished.join(10)
            shown = c.get(f"cases/{case.id}")
        finally:
            world.desk.ledger.use_writer(None)
    assert lost.status_code == 503 and lost.headers["retry-after"] == "1"
    assert lost.json()["error"] == "unavailable" and "fields" not in lost.json()
    assert shown.status_code == 200
    views = world.desk.ledger.entries_for_case(case.id)
    assert [e.kind for e in views if e.actor == agent.handle] == ["view"]
