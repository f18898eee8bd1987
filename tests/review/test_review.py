"""Usage review end to end: contact first, people decide, two for a suspension, one restore."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ecluse.errors import InputError, NotFound, PermissionDenied
from ecluse.notify import SmtpChannel, SmtpConfig, deliver_pending
from ecluse.org import add_person
from ecluse.review import HttpProvisioning, Review, review_report
from ecluse.review._tables import line_measures
from ecluse.usage import ProposedAction, Severity
from ecluse.vocabulary import CaseType, Role

from ..notify.conftest import SmtpPeer
from .conftest import NOW, ProvisioningPeer, World, make_alert


def _customer_with_line(world: World) -> tuple[str, str]:
    for row in world.rows:
        if row["mobile_lines"] and row["email"]:
            return world.customer_ids[row["external_id"]], row["mobile_lines"]
    raise AssertionError("no customer with a mobile line in the fixture")


def _second_analyst(world: World) -> str:
    add_person(
        world.inst.engine,
        email="analyst2@lumen.example",
        display_name="Second Analyst",
        role=Role.ANALYST,
    )
    return "analyst2@lumen.example"


def test_notify_contest_decide_restore_end_to_end(
    world: World, smtp_server: SmtpPeer, provisioning: ProvisioningPeer
) -> None:
    """GIVEN a fraud alert on a customer's line WHEN it is reviewed THEN a usage_review case
    opens for analysts (never a vendor), the customer gets an e-mail first with a contest
    link, a suspension needs a second analyst, and one restore lifts it and tells them."""
    customer_id, msisdn = _customer_with_line(world)
    review = Review(world.desk, control=HttpProvisioning(provisioning.url))
    alert = make_alert(
        world,
        msisdn,
        "sim_box",
        Severity.HIGH,
        actions=(ProposedAction.OUTGOING_INTERNATIONAL_BLOCK, ProposedAction.SUSPENSION),
        legitimate=False,
    )
    (opened,) = review.open_from_alerts([alert], now=NOW)
    assert review.open_from_alerts([alert], now=NOW) == []  # idempotent
    case = world.desk.get(opened.case_id)
    assert case.case_type is CaseType.USAGE_REVIEW and case.vendor_id is None
    assert opened.contacted and not opened.auto_block
    channel = SmtpChannel(
        SmtpConfig(
            host=smtp_server.host,
            port=smtp_server.port,
            security="none",
            sender="care@lumen.example",
        )
    )
    deliver_pending(world.inst.engine, [channel], keyring=world.inst.keyring, now=NOW)
    channel.close()  # the channel keeps one SMTP session per delivery pass
    (mail,) = smtp_server.messages
    row = world.row_of(customer_id)
    assert mail["To"] == row["email"]
    body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = next(w for w in body.split() if "/contest/" in w)
    token = link.rsplit("/", 1)[1]

    # vendors never reach it
    with pytest.raises(NotFound):
        world.desk.view(world.who("agent1@atlas-contact.example"), case.id, now=NOW)
    with pytest.raises(PermissionDenied):
        review.decide(
            world.who("agent1@atlas-contact.example"),
            case.id,
            "suspension",
            "looks like a SIM box",
            now=NOW,
        )

    analyst = world.who("analyst@lumen.example")
    look = review.first_look(analyst, case.id, now=NOW + timedelta(minutes=20))
    assert look["alert"]["detector"] == "sim_box" and look["contacted_at"]
    proposed = review.decide(
        analyst,
        case.id,
        "suspension",
        "SIM box pattern confirmed on calls",
        now=NOW + timedelta(hours=1),
    )
    assert proposed["state"] == "pending_second" and provisioning.requests == []
    with pytest.raises(PermissionDenied, match="second"):
        review.approve_suspension(analyst, proposed["measure_id"], now=NOW + timedelta(hours=1))
    second = world.who(_second_analyst(world))
    review.approve_suspension(second, proposed["measure_id"], now=NOW + timedelta(hours=2))
    assert [r["action"] for r in provisioning.requests] == ["apply"]
    assert provisioning.requests[0]["msisdn"] == msisdn

    review.contest(
        token, "Je suis infirmière, j'appelle mes patients.", now=NOW + timedelta(hours=3)
    )
    with pytest.raises(NotFound):
        review.contest("forged-token", "x", now=NOW)
    lifted = review.restore(
        analyst,
        case.id,
        wrongful=True,
        reason="customer explained legitimate use",
        now=NOW + timedelta(hours=4),
    )
    assert len(lifted) == 1 and [r["action"] for r in provisioning.requests] == ["apply", "lift"]
    deliver_pending(
        world.inst.engine, [channel], keyring=world.inst.keyring, now=NOW + timedelta(hours=5)
    )
    channel.close()
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert len(subjects) == 3  # contact, decision, restored

    report = review_report(world.inst.engine)
    assert (
        report.reviews,
        report.contacted,
        report.contested,
        report.suspensions,
        report.wrongful_measures,
    ) == (1, 1, 1, 1, 1)
    assert report.restore_h[0] == pytest.approx(2.0)
    kinds = [
        e.details.get("step")
        for e in world.desk.ledger.entries_for_case(case.id)
        if e.kind == "usage_decision"
    ]
    assert kinds == ["opened", "decision", "second_approval", "contest", "restore"]


def test_no_measure_before_the_customer_was_contacted(world: World) -> None:
    """A customer with neither e-mail nor mobile line cannot be contacted: no measure."""
    customer_id, msisdn = _customer_with_line(world)
    review = Review(world.desk)
    (opened,) = review.open_from_alerts([make_alert(world, msisdn)], now=NOW)
    from ecluse.review._tables import usage_reviews

    with world.inst.engine.begin() as conn:
        conn.execute(usage_reviews.update().values(contacted_at=None))
    with pytest.raises(PermissionDenied, match="contact"):
        review.decide(
            world.who("analyst@lumen.example"),
            opened.case_id,
            "spending_cap",
            "spending far above plan",
            now=NOW,
        )
    # advice needs no contact beforehand: it changes nothing on the line
    review.decide(
        world.who("analyst@lumen.example"),
        opened.case_id,
        "advice_or_plan_change",
        "suggest a plan with more minutes",
        now=NOW,
    )
    assert customer_id


def test_automatic_irsf_block_is_bounded_and_lifts_itself(
    world: World, provisioning: ProvisioningPeer
) -> None:
    _, msisdn = _customer_with_line(world)
    review = Review(world.desk, control=HttpProvisioning(provisioning.url))
    alert = make_alert(
        world,
        msisdn,
        "irsf",
        Severity.HIGH,
        confirmed=True,
        actions=(ProposedAction.OUTGOING_INTERNATIONAL_BLOCK,),
        legitimate=False,
    )
    (opened,) = review.open_from_alerts([alert], now=NOW)
    assert opened.auto_block
    (measure,) = review.measures(opened.case_id)
    assert measure["automatic"] and measure["measure"] == "outgoing_international_block"
    assert review.expire_unreviewed_blocks(now=NOW + timedelta(hours=1)) == []
    assert review.expire_unreviewed_blocks(now=NOW + timedelta(days=3)) == [measure["id"]]
    assert [r["action"] for r in provisioning.requests] == ["apply", "lift"]
    assert review_report(world.inst.engine).automatic_blocks_expired == 1


def test_reasons_and_actions_are_validated(world: World) -> None:
    _, msisdn = _customer_with_line(world)
    review = Review(world.desk)
    (opened,) = review.open_from_alerts([make_alert(world, msisdn)], now=NOW)
    analyst = world.who("analyst@lumen.example")
    with pytest.raises(InputError):
        review.decide(
            analyst, opened.case_id, "cut_everything", "because the robot said so", now=NOW
        )
    with pytest.raises(InputError):
        review.decide(analyst, opened.case_id, "no_action", "ok", now=NOW)


def test_a_measures_reason_is_sealed_under_the_customers_key(
    world: World, smtp_server: SmtpPeer, provisioning: ProvisioningPeer
) -> None:
    """GIVEN an analyst's reason for a suspension (typed text about a customer's line)
    WHEN it is stored and the second analyst approves THEN the database holds it sealed under
    the customer's data key, never in clear; the customer's decision notice still carries it;
    and once the customer is erased it can no longer be read."""
    customer_id, msisdn = _customer_with_line(world)
    review = Review(world.desk, control=HttpProvisioning(provisioning.url))
    alert = make_alert(world, msisdn, "sim_box", Severity.HIGH, legitimate=False)
    (opened,) = review.open_from_alerts([alert], now=NOW)
    analyst = world.who("analyst@lumen.example")
    planted = "Planted reason 7c1e: calls to sixty numbers at night"
    proposed = review.decide(
        analyst, opened.case_id, "suspension", planted, now=NOW + timedelta(hours=1)
    )
    second = world.who(_second_analyst(world))
    review.approve_suspension(second, proposed["measure_id"], now=NOW + timedelta(hours=2))
    with world.inst.engine.connect() as conn:
        clear, sealed = conn.execute(
            sa.select(line_measures.c.reason, line_measures.c.sealed_reason).where(
                line_measures.c.id == proposed["measure_id"]
            )
        ).one()
    assert clear is None and sealed and planted.encode() not in bytes(sealed)
    channel = SmtpChannel(
        SmtpConfig(host=smtp_server.host, port=smtp_server.port, security="none", sender="c@x.be")
    )
    later = NOW + timedelta(hours=3)
    deliver_pending(world.inst.engine, [channel], keyring=world.inst.keyring, now=later)
    channel.close()
    bodies = [
        " ".join(m.get_body(preferencelist=("plain",)).get_content().split())  # type: ignore[union-attr]
        for m in smtp_server.messages
    ]
    assert any(planted in body for body in bodies)  # the decision notice
    world.desk.vault.erase(customer_id)
    with world.inst.engine.connect() as conn, pytest.raises(NotFound):
        measure = conn.execute(
            sa.select(line_measures).where(line_measures.c.id == proposed["measure_id"])
        ).one()
        review._reason(conn, customer_id, measure)
