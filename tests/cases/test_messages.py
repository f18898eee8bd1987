"""Free text crosses the lock pseudonymised; replies come back re-identified or held."""

from __future__ import annotations

from pathlib import Path

from ecluse.org import get_person
from ecluse.vocabulary import CaseType

from .conftest import NOW, World


def _case_and_agent(world: World, language: str = "fr"):  # type: ignore[no-untyped-def]
    cid = world.customer(language)
    case = world.desk.open_case(cid, CaseType.INVOICE_EXPLANATION, now=NOW)
    agent = world.who(get_person(world.inst.engine, case.assignee_id or 0).email)
    return cid, case, agent


def test_customer_message_is_redacted_for_the_agent_and_stored_sealed(
    world: World, db_url: str
) -> None:
    """GIVEN a customer e-mail with their name, phone and IBAN WHEN posted to a case THEN the
    agent reads tokens only, the same value keeps its token across messages, and neither
    version is in clear in the database."""
    cid, case, agent = _case_and_agent(world)
    row = world.row_of(cid)
    text = (
        f"Bonjour, je suis {row['first_name']} {row['last_name']}, mon numéro est {row['phone']} "
        f"et je paie avec {row['iban']}. Pourquoi ma facture est-elle si élevée ?"
    )
    world.desk.messages.post_message(case.id, text, now=NOW)
    world.desk.messages.post_message(case.id, f"Rappelez-moi au {row['phone']} svp", now=NOW)
    thread = world.desk.messages.thread(agent, case.id)
    assert len(thread) == 2
    for secret in (row["last_name"], row["iban"], row["phone"]):
        assert secret not in thread[0].text and secret not in thread[1].text
    phone_token = next(t for t in thread[1].text.split() if t.startswith("[PHONE"))
    assert phone_token in thread[0].text
    # operator roles (e.g. the supervisor) read the full text
    full = world.desk.messages.thread(world.who("supervisor@lumen.example"), case.id)
    assert row["last_name"] in full[0].text
    if db_url.startswith("sqlite"):
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        assert row["last_name"].encode() not in raw and b"[PHONE" not in raw


def test_reply_is_reidentified_and_foreign_data_is_held(world: World) -> None:
    cid, case, agent = _case_and_agent(world)
    row = world.row_of(cid)
    world.desk.messages.post_message(
        case.id, f"Je suis {row['first_name']} {row['last_name']}.", now=NOW
    )
    token = next(
        t.strip(".,")
        for t in world.desk.messages.thread(agent, case.id)[0].text.split()
        if t.startswith("[PERSON")
    )
    ok = world.desk.messages.reply(
        agent, case.id, f"Bonjour {token}, votre facture est correcte.", now=NOW
    )
    assert ok.status == "ready"
    assert row["last_name"] in world.desk.messages.outgoing_text(ok.id)
    pasted = world.desk.messages.reply(
        agent, case.id, "Voici l'IBAN d'un autre client : BE71 0961 2345 6769", now=NOW
    )
    assert pasted.status == "held" and "IBAN" in pasted.held_reasons.upper()
    assert "BE71" not in pasted.held_reasons
    kinds = [e.kind for e in world.desk.ledger.entries_for_case(case.id)]
    assert kinds.count("reply") == 2
