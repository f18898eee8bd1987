"""Who saw my data: the customer's report lists every access, in their language."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ecluse.cases import RevealReason
from ecluse.cli import app
from ecluse.privacy import access_report, render_access_report_html
from ecluse.vocabulary import CaseType

from ..cases.conftest import NOW, World


def test_report_lists_views_and_reveals_with_vendor_site_country_and_reason(world: World) -> None:
    """GIVEN an agent in Casablanca who viewed a case and revealed a field WHEN the customer
    asks who saw their data THEN both accesses appear with company, site, country, handle,
    purpose and reason, in French, and no clear data of theirs is in the report."""
    cid = world.customer("fr")
    case = world.desk.open_case(cid, CaseType.CONTRACT_RENEGOTIATION, now=NOW)
    from ecluse.org import get_person

    agent = world.who(get_person(world.inst.engine, case.assignee_id or 0).email)
    view = world.desk.view(agent, case.id, now=NOW)
    fc = next(f.field_class for f in view.fields if f.can_reveal)
    world.desk.reveal(agent, case.id, fc, RevealReason.CONTACT_CUSTOMER, now=NOW)

    report = access_report(world.desk.ledger, cid, "fr")
    assert [a.action for a in report.accesses] == ["viewed", "revealed"]
    first = report.accesses[0]
    assert (first.organisation, first.site, first.country) == ("Atlas Contact", "Casablanca", "MA")
    assert first.agent == agent.handle and first.purpose == "contract_renegotiation"
    assert report.accesses[1].reason == "contact_customer"
    page = render_access_report_html(report)
    assert "Qui a consulté mes données" in page and "pour vous contacter" in page
    assert "Casablanca" in page and agent.handle in page
    row = world.row_of(cid)
    for clear in (row["last_name"], row["email"], row["iban"]):
        assert clear not in page and clear not in json.dumps(report.to_json())


def test_report_in_dutch_and_empty(world: World) -> None:
    cid = world.customer("nl")
    page = render_access_report_html(access_report(world.desk.ledger, cid, "nl"))
    assert "Wie heeft mijn gegevens bekeken" in page and "Niemand" in page


def test_cli_access_report(world: World) -> None:
    cid = world.customer("fr")
    world.desk.open_case(cid, CaseType.INVOICE_EXPLANATION, now=NOW)
    data_dir = str(world.inst.settings.data_dir)
    result = CliRunner().invoke(app, ["--data-dir", data_dir, "customers", "access-report", cid])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["customer"] == cid
    bad = CliRunner().invoke(
        app, ["--data-dir", data_dir, "customers", "access-report", cid, "--format", "pdf"]
    )
    assert bad.exit_code == 2 and "json or html" in bad.output
