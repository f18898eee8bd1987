"""Loading and safe reloading: an operator directory overrides the defaults; a broken change
keeps the previous policies in force and says where it is broken."""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ecluse.config import Settings
from ecluse.errors import ConfigError
from ecluse.policy import (
    DEFAULTS_DIR,
    CaseContext,
    PolicyChange,
    PolicyEngine,
    PolicyError,
    Principal,
    Visibility,
    _engine,
    check_policies,
    policy_dir,
)
from ecluse.vocabulary import CaseType, Role

AGENT = Principal(Role.AGENT, vendor="callmaroc", site_country="MA", team="fr-1")
INVOICE = CaseContext(CaseType.INVOICE_EXPLANATION, assigned_to_principal=True)

# An operator's version of need_to_know.cedar that also opens the e-mail on invoices.
INVOICE_WITH_EMAIL = """
// Invoice explanation, with the e-mail address to send the explanation to.
@id("need.invoice_explanation")
permit (principal, action == Ecluse::Action::"view_masked", resource)
when {
  principal.role == Ecluse::Role::"agent" &&
  resource.case_type == Ecluse::CaseType::"invoice_explanation" &&
  [Ecluse::FieldClass::"name", Ecluse::FieldClass::"email"].contains(resource.field_class)
};
"""


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    # make the change visible to an mtime check even within one clock tick
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def visible(engine: PolicyEngine, who: Principal, case: CaseContext) -> list[str]:
    view = engine.case_view(who, case)
    return [fc.value for fc, a in view.items() if a.visibility is not Visibility.HIDDEN]


def test_an_override_file_replaces_the_default_of_the_same_name(tmp_path: Path) -> None:
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    engine = PolicyEngine(tmp_path)
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]
    origins = {f.name: f.origin for f in engine.bundle.files}
    assert origins["need_to_know.cedar"] == "override"
    assert origins["guards.cedar"] == "default"


def test_an_empty_override_file_switches_a_default_off(tmp_path: Path) -> None:
    write(tmp_path / "reveal.cedar", "// no reveals at all in this installation\n")
    engine = PolicyEngine(tmp_path)
    case = CaseContext(CaseType.COMPLAINT, assigned_to_principal=True)
    assert not any(a.can_reveal for a in engine.case_view(AGENT, case).values())


def test_reload_applies_a_good_change_and_reports_it(tmp_path: Path) -> None:
    """GIVEN an engine on the defaults, with a listener
    WHEN the operator adds a file and the engine reloads
    THEN the listener gets the old and new digests and the file, and views change."""
    changes: list[PolicyChange] = []
    engine = PolicyEngine(tmp_path, on_change=changes.append)
    before = engine.digest
    assert visible(engine, AGENT, INVOICE) == ["name", "contracts", "invoices"]
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    change = engine.reload()
    assert change is not None
    assert changes == [change]
    assert change.old_digest == before
    assert change.new_digest == engine.digest != before
    assert change.changed == ("need_to_know.cedar",)
    assert ("need_to_know.cedar", "override") in {(n, o) for n, o, _ in change.files}
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]  # the cache was cleared
    assert engine.reload() is None  # nothing changed since


def test_a_broken_file_keeps_the_previous_policies(tmp_path: Path) -> None:
    """GIVEN a working engine
    WHEN a file with a syntax error appears
    THEN reload raises naming the file and line, and the old policies stay in force."""
    engine = PolicyEngine(tmp_path)
    digest = engine.digest
    broken = (
        INVOICE_WITH_EMAIL
        + '\n\n@id("broken")\npermit (principal, action, resource)\nwhen { x == };\n'
    )
    write(tmp_path / "need_to_know.cedar", broken)
    with pytest.raises(PolicyError) as caught:
        engine.reload()
    assert str(caught.value.problems[0]).startswith("need_to_know.cedar:12: does not parse")
    assert engine.digest == digest
    assert engine.last_error is caught.value
    assert visible(engine, AGENT, INVOICE) == ["name", "contracts", "invoices"]


def test_automatic_reload_on_file_change_and_failure_report(tmp_path: Path) -> None:
    changes: list[PolicyChange] = []
    errors: list[PolicyError] = []
    engine = PolicyEngine(
        tmp_path, on_change=changes.append, on_error=errors.append, check_interval=0.0, settle=0.0
    )
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]
    assert len(changes) == 1
    write(tmp_path / "need_to_know.cedar", "permit (principal, action, resource);\n")  # no @id
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]
    assert len(errors) == 1
    assert "no @id" in str(errors[0])
    assert len(changes) == 1


def test_checks_are_rate_limited(tmp_path: Path) -> None:
    engine = PolicyEngine(tmp_path, check_interval=3600.0, settle=0.0)
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    assert visible(engine, AGENT, INVOICE) == ["name", "contracts", "invoices"]
    assert engine.check_for_changes() is not None  # an explicit check looks at once


def test_a_failing_listener_keeps_the_change_out(tmp_path: Path) -> None:
    """The change must be recorded (ledgered) before it takes effect."""

    def ledger_down(change: PolicyChange) -> None:
        raise RuntimeError("ledger unavailable")

    engine = PolicyEngine(tmp_path, on_change=ledger_down)
    digest = engine.digest
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    with pytest.raises(RuntimeError):
        engine.reload()
    assert engine.digest == digest
    assert engine.check_for_changes() is None  # logged, retried later, never raised
    assert engine.digest == digest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '@id("typo")\npermit (principal, action, resource)\n'
            'when { principal.role == Ecluse::Role::"agnet" };\n',
            "extra.cedar:1: ",
        ),
        (
            '\n\n@id("attr")\npermit (principal, action, resource)\nwhen { context.colour };\n',
            "extra.cedar:3: ",
        ),
        (
            '@id("guard.admin_no_customer_data")\nforbid (principal, action, resource);\n',
            "@id 'guard.admin_no_customer_data' is already used at",
        ),
        ('@id("x")\npermit (principal, action, resource)\n', "extra.cedar:1: does not parse"),
        ('@id("t")\npermit (principal == ?principal, action, resource);\n', "no templates"),
    ],
    ids=["unknown-role", "unknown-context-attribute", "duplicate-id", "unterminated", "template"],
)
def test_problems_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "extra.cedar", text)
    with pytest.raises(PolicyError) as caught:
        check_policies(tmp_path)
    assert expected in str(caught.value)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    write(tmp_path / "a.cedar", "permit (principal, action, resource);\n")
    write(tmp_path / "b.cedar", '@id("b")\nforbid (principal, action, resource) when { 1 };\n')
    with pytest.raises(PolicyError) as caught:
        check_policies(tmp_path)
    assert [p.file for p in caught.value.problems] == ["a.cedar", "b.cedar"]
    assert "(and 1 more)" in str(caught.value)


def test_quotas_are_overridable_and_checked(tmp_path: Path) -> None:
    write(tmp_path / "quotas.toml", "[reveal_per_day]\nagent = 5\n")
    engine = PolicyEngine(tmp_path)
    assert engine.reveal_quota(Role.AGENT) == 5
    assert engine.reveal_quota(Role.TEAM_LEAD) == 0  # not listed: no reveals
    write(tmp_path / "quotas.toml", "[reveal_per_day]\nagent = -1\nintern = 3\n")
    with pytest.raises(PolicyError) as caught:
        engine.reload()
    messages = [str(p) for p in caught.value.problems]
    assert messages == [
        "quotas.toml: [reveal_per_day] agent: must be an integer ≥ 0",
        "quotas.toml: [reveal_per_day] intern: no such role",
    ]
    assert engine.reveal_quota(Role.AGENT) == 5


def test_the_shipped_defaults_check_clean() -> None:
    bundle = check_policies(None)
    assert {f.name for f in bundle.files} == {p.name for p in DEFAULTS_DIR.iterdir()} - {
        "__pycache__"
    }
    assert all(bundle.descriptions[pid] for pid in bundle.policy_ids)  # each has its comment


def settings(tmp_path: Path, section: dict[str, object] | None = None) -> Settings:
    sections = {"policy": section} if section is not None else {}
    return Settings(tmp_path, "sqlite://", tmp_path / "keys", None, sections)


def test_policy_dir_from_settings(tmp_path: Path) -> None:
    assert policy_dir(settings(tmp_path)) == tmp_path / "policies"
    (tmp_path / "mine").mkdir()
    assert policy_dir(settings(tmp_path, {"dir": "mine"})) == tmp_path / "mine"
    with pytest.raises(ConfigError, match=r"\[policy\] dir"):
        policy_dir(settings(tmp_path, {"dir": "missing"}))
    engine = PolicyEngine.for_settings(settings(tmp_path))  # no policies/ directory: defaults
    assert engine.digest == PolicyEngine().digest
    assert engine.check_interval == 1.0
    engine = PolicyEngine.for_settings(settings(tmp_path, {"check_interval": 5}))
    assert engine.check_interval == 5.0
    with pytest.raises(ConfigError, match="check_interval"):
        PolicyEngine.for_settings(settings(tmp_path, {"check_interval": "often"}))


def test_a_file_being_written_is_not_loaded_until_it_settles(tmp_path: Path) -> None:
    """GIVEN an engine with the operator's override in force
    WHEN a copy truncates the file (it is empty for a moment) and a check runs at once
    THEN the empty file is not put in force; once the written file has stayed the same for
    the settle time, it is."""
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    engine = PolicyEngine(tmp_path, check_interval=0.0, settle=0.2)
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]
    write(tmp_path / "need_to_know.cedar", "")  # truncated, not yet written
    assert engine.check_for_changes() is None
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL.replace("email", "phone"))
    assert engine.check_for_changes() is None  # changed again: the wait starts over
    time.sleep(0.25)
    assert engine.check_for_changes() is not None
    assert visible(engine, AGENT, INVOICE) == ["name", "phone"]


def test_a_file_truncated_while_it_is_read_is_not_put_in_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the watcher saw a changed file settle
    WHEN a copy truncates it just as the engine reads it (the empty file is what it reads)
    THEN the empty file is not put in force; once the copy's write settles, that file is."""
    engine = PolicyEngine(tmp_path, check_interval=0.0, settle=0.05)
    default_view = visible(engine, AGENT, INVOICE)
    path = tmp_path / "need_to_know.cedar"
    write(path, INVOICE_WITH_EMAIL)
    assert engine.check_for_changes() is None  # seen changing: settling
    time.sleep(0.06)
    real_read = _engine.read_files
    truncated: list[bool] = []

    def read_during_a_copy(*args: Any) -> Any:
        if not truncated:
            truncated.append(True)
            write(path, "")  # the copy starts over: empty for a moment
        return real_read(*args)

    monkeypatch.setattr(_engine, "read_files", read_during_a_copy)
    assert engine.check_for_changes() is None
    assert truncated and visible(engine, AGENT, INVOICE) == default_view
    write(path, INVOICE_WITH_EMAIL.replace("email", "phone"))  # the copy's write
    assert engine.check_for_changes() is None
    time.sleep(0.06)
    assert engine.check_for_changes() is not None
    assert visible(engine, AGENT, INVOICE) == ["name", "phone"]


def test_reload_reads_files_that_stay_the_same_while_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a file that changes while the first read of an explicit reload is under way
    THEN the reload reads again and puts the finished file in force; a file that never stops
    changing is refused with a PolicyError, and the policies in force stay."""
    engine = PolicyEngine(tmp_path, check_interval=3600.0)
    path = tmp_path / "need_to_know.cedar"
    real_read = _engine.read_files
    reads: list[int] = []

    def read_while_changing(*args: Any) -> Any:
        reads.append(1)
        if len(reads) == 1:
            write(path, "")
            files = real_read(*args)
            write(path, INVOICE_WITH_EMAIL)
            return files
        return real_read(*args)

    monkeypatch.setattr(_engine, "read_files", read_while_changing)
    assert engine.reload() is not None
    assert len(reads) == 2 and visible(engine, AGENT, INVOICE) == ["name", "email"]

    def never_settles(*args: Any) -> Any:
        files = real_read(*args)
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        return files

    monkeypatch.setattr(_engine, "read_files", never_settles)
    with pytest.raises(PolicyError, match="kept changing"):
        engine.reload()
    assert visible(engine, AGENT, INVOICE) == ["name", "email"]


def test_settle_time_from_the_configuration(tmp_path: Path) -> None:
    engine = PolicyEngine.for_settings(settings(tmp_path, {"settle": 2}))
    assert engine.settle == 2.0
    with pytest.raises(ConfigError, match=r"\[policy\] settle: must be ≥ 0"):
        PolicyEngine.for_settings(settings(tmp_path, {"settle": -1}))


def test_views_stay_consistent_while_policies_change_under_load(tmp_path: Path) -> None:
    """GIVEN threads reading case views continuously, checking files on every call
    WHEN the operator's file changes back and forth
    THEN every view a thread gets is one of the two policy sets' views, never a mix,
    and no thread fails."""
    changes: list[PolicyChange] = []
    # The settle time must outlast the pause between a copy's truncation and its write: here
    # the copying thread waits for the GIL behind three busy readers, tens of milliseconds
    # on a loaded machine (0.02 s let the empty file settle, now and then).
    engine = PolicyEngine(tmp_path, check_interval=0.0, settle=0.15, on_change=changes.append)
    default_view = visible(engine, AGENT, INVOICE)
    write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
    engine.reload()
    override_view = visible(engine, AGENT, INVOICE)
    seen: list[list[str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                seen.append(visible(engine, AGENT, INVOICE))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for round_ in range(6):
        if round_ % 2:
            write(tmp_path / "need_to_know.cedar", INVOICE_WITH_EMAIL)
        else:
            (tmp_path / "need_to_know.cedar").unlink()
        time.sleep(0.25)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert seen and all(view in (default_view, override_view) for view in seen)
    # each change reported once, in order: every report starts where the previous one ended
    for before, after in itertools.pairwise(changes):
        assert after.old_digest == before.new_digest != after.new_digest
    engine.reload()
    assert visible(engine, AGENT, INVOICE) == override_view


def test_files_from_windows_editors_load(tmp_path: Path) -> None:
    """A byte-order mark and CRLF line ends, as a DPO's editor may write them."""
    (tmp_path / "bom.cedar").write_bytes(
        b'\xef\xbb\xbf// Nothing.\r\n@id("bom.never")\r\n'
        b"forbid (principal, action, resource) when { false };\r\n"
    )
    bundle = check_policies(tmp_path)
    assert bundle.locations["bom.never"] == "bom.cedar:2"
    assert bundle.descriptions["bom.never"] == "Nothing."
