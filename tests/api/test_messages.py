"""Messages through the API: in pseudonymised for vendors, replies re-identified or held."""

from __future__ import annotations

from ecluse.org import get_person

from .conftest import OTHER_VENDOR, SUPERVISOR, World


def test_message_thread_and_reply(world: World) -> None:
    """GIVEN a customer e-mail posted by the operator's integration WHEN the assigned agent
    reads the thread THEN it is pseudonymised; their reply with tokens is accepted; a reply
    pasting someone else's IBAN is held; another vendor's agent gets 404."""
    cid = world.customer("fr")
    row = world.row_of(cid)
    case = world.desk.open_case(cid, "invoice_explanation")
    agent = world.logged_in(get_person(world.inst.engine, case.assignee_id or 0).email)
    supervisor = world.logged_in(SUPERVISOR)
    text = f"Bonjour, ici {row['first_name']} {row['last_name']}, IBAN {row['iban']}."
    posted = supervisor.post(f"cases/{case.id}/messages", {"text": text})
    assert posted.status_code == 201, posted.text
    assert agent.post(f"cases/{case.id}/messages", {"text": "x"}).status_code == 403

    thread = agent.get(f"cases/{case.id}/messages")
    assert thread.status_code == 200
    body = thread.text
    assert row["last_name"] not in body and row["iban"] not in body and "[IBAN_1]" in body
    assert row["last_name"] in supervisor.get(f"cases/{case.id}/messages").text

    ok = agent.post(
        f"cases/{case.id}/replies", {"text": "Merci, le paiement via [IBAN_1] est bien reçu."}
    )
    assert ok.status_code == 201 and ok.json()["status"] == "ready"
    held = agent.post(
        f"cases/{case.id}/replies", {"text": "Essayez BE71 0961 2345 6769 à la place."}
    )
    assert held.json()["status"] == "held" and "BE71" not in held.json()["held_reasons"]

    other = world.logged_in(OTHER_VENDOR)
    assert other.get(f"cases/{case.id}/messages").status_code == 404
    assert other.post(f"cases/{case.id}/replies", {"text": "hi"}).status_code == 404
    assert agent.post(f"cases/{case.id}/replies", {"text": ""}).status_code == 422
