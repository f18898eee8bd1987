"""The policy engine: cached case views, single decisions and safe reloading.

A case view depends only on the person's role, vendor, site country and team and on the
case's type, status and assignment flags, so the engine computes it once per such tuple (one
Cedar batch) and then serves it from a dictionary: a cached view costs a tuple hash and a
dictionary look-up.

The engine watches its files' modification times (at most once per ``check_interval``
seconds, on the next call). A change is loaded once the files have stopped changing for
``settle`` seconds: an editor or a copy that truncates a file and then writes it must not
put a half-written or empty file in force, even for a moment. A new set that fails to load
leaves the previous one in force and is reported; a new set that loads is first handed to
the ``on_change`` listeners (the case desk ledgers it) and only then takes effect, with an
empty cache.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from ecluse.config import Settings
from ecluse.errors import ConfigError
from ecluse.policy._evaluate import evaluate, evaluate_view
from ecluse.policy._model import CaseContext, Decision, FieldAccess, PolicyChange, Principal
from ecluse.policy._source import (
    DEFAULTS_DIR,
    PolicyBundle,
    PolicyError,
    PolicyProblem,
    compile_bundle,
    policy_files,
    read_files,
)
from ecluse.vocabulary import Action, FieldClass, Role

__all__ = ["PolicyEngine", "policy_dir"]

log = logging.getLogger("ecluse.policy")

ChangeListener = Callable[[PolicyChange], None]
ErrorListener = Callable[[PolicyError], None]
_ViewKey = tuple[str, str, str, str, str, str, bool, bool]
_MAX_CACHED_VIEWS = 65_536  # bounded: the key space is roles × vendors × sites × teams × cases
_CACHED_ACTIONS = frozenset({Action.VIEW_MASKED, Action.VIEW_CLEAR, Action.REVEAL, Action.EXPORT})


def policy_dir(settings: Settings) -> Path | None:
    """The operator's policy directory: ``[policy] dir`` or ``<data-dir>/policies``.

    A directory named in the configuration must exist; the default one is optional.
    """
    configured = settings.section("policy").get("dir")
    if configured is None:
        return settings.data_dir / "policies"
    path = Path(str(configured)).expanduser()
    if not path.is_absolute():
        path = settings.data_dir / path
    if not path.is_dir():
        raise ConfigError(f"{settings.config_path}: [policy] dir: {path} is not a directory")
    return path


class PolicyEngine:
    """Decides who sees which field of which case, from Cedar policies."""

    def __init__(
        self,
        override_dir: Path | None = None,
        *,
        defaults_dir: Path = DEFAULTS_DIR,
        on_change: ChangeListener | None = None,
        on_error: ErrorListener | None = None,
        check_interval: float = 1.0,
        settle: float = 0.5,
    ) -> None:
        self.override_dir = override_dir
        self.defaults_dir = defaults_dir
        self.check_interval = check_interval
        self.settle = settle
        self._settling: tuple[tuple[tuple[str, int, int], ...], float] | None = None
        self.last_error: PolicyError | None = None
        self._change_listeners: list[ChangeListener] = [on_change] if on_change else []
        self._error_listeners: list[ErrorListener] = [on_error] if on_error else []
        self._lock = threading.Lock()  # guards the cache and the swap of the policy set
        self._reloading = threading.Lock()
        self._snapshot = self._stat()
        self._bundle = compile_bundle(read_files(override_dir, defaults_dir))
        self._views: dict[_ViewKey, Mapping[FieldClass, FieldAccess]] = {}
        self._next_check = time.monotonic() + check_interval
        self.misses = 0

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        *,
        on_change: ChangeListener | None = None,
        on_error: ErrorListener | None = None,
        check_interval: float = 1.0,
        settle: float = 0.5,
    ) -> PolicyEngine:
        """The engine of an installation: defaults plus its policy directory.

        ``[policy] check_interval`` and ``[policy] settle`` (seconds, defaults 1 and 0.5)
        override the arguments.
        """
        return cls(
            policy_dir(settings),
            on_change=on_change,
            on_error=on_error,
            check_interval=_seconds(settings, "check_interval", check_interval),
            settle=_seconds(settings, "settle", settle),
        )

    # --- what is in force ---------------------------------------------------------------

    @property
    def bundle(self) -> PolicyBundle:
        return self._bundle

    @property
    def digest(self) -> str:
        """SHA-256 of the policy set in force (file names and contents)."""
        return self._bundle.digest

    def reveal_quota(self, role: Role) -> int:
        """How many fields a person of ``role`` may reveal per day (``quotas.toml``)."""
        return self._bundle.reveal_quotas.get(role, 0)

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener`` with each :class:`PolicyChange`, before it takes effect."""
        self._change_listeners.append(listener)

    def on_error(self, listener: ErrorListener) -> None:
        """Call ``listener`` when changed files fail to load (the old set stays in force)."""
        self._error_listeners.append(listener)

    # --- decisions ----------------------------------------------------------------------

    def case_view(
        self, principal: Principal, case: CaseContext
    ) -> Mapping[FieldClass, FieldAccess]:
        """Field by field, what ``principal`` sees of the customer behind ``case``."""
        if time.monotonic() >= self._next_check:
            self.check_for_changes()
        literals = self._bundle.literals  # see _analysis: values no policy tells apart
        key: _ViewKey = (
            principal.role,
            _canonical(principal.vendor, literals["vendor"]),
            _canonical(principal.site_country, literals["site_country"]),
            _canonical(principal.team, literals["team"]),
            case.case_type,
            self._bundle.status_classes[case.status],
            case.assigned_to_principal,
            case.in_principal_team_queue,
        )
        view = self._views.get(key)
        if view is None:
            view = self._compute(key, principal, case)
        return view

    def decide(
        self, principal: Principal, action: Action, field_class: FieldClass, case: CaseContext
    ) -> Decision:
        """One decision. Views, reveals and exports come from the cached case view."""
        if action in _CACHED_ACTIONS and (case.is_plain_view or action is Action.REVEAL):
            access = self.case_view(principal, case)[field_class]
            decision = access.decisions[action]
            if action is Action.REVEAL and decision.allowed and not access.can_reveal:
                return Decision(False, decision.policy_ids, ("nothing hidden can be revealed",))
            return decision
        if time.monotonic() >= self._next_check:
            self.check_for_changes()
        return evaluate(self._bundle, principal, action, field_class, case)

    def _compute(
        self, key: _ViewKey, principal: Principal, case: CaseContext
    ) -> Mapping[FieldClass, FieldAccess]:
        bundle = self._bundle
        plain = dataclasses.replace(
            case, principal_is_requester=False, requester_vendor=None, edit_approved=False
        )
        view = evaluate_view(bundle, principal, plain)
        with self._lock:
            self.misses += 1
            if self._bundle is bundle:  # a reload in between must not get a stale entry
                if len(self._views) >= _MAX_CACHED_VIEWS:
                    self._views.clear()
                self._views[key] = view
        return view

    def clear_cache(self) -> None:
        with self._lock:
            self._views.clear()

    # --- reloading ----------------------------------------------------------------------

    def _stat(self) -> tuple[tuple[str, int, int], ...]:
        stats = []
        for path in policy_files(self.override_dir, self.defaults_dir):
            try:
                st = path.stat()
            except OSError:
                continue
            stats.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(stats)

    def check_for_changes(self) -> PolicyChange | None:
        """Reload if a file changed since the last look; never raises.

        A changed set is loaded only once the same files have been seen unchanged for
        ``settle`` seconds; until then the policies in force stay. A failed reload is
        logged, kept in :attr:`last_error` and given to the ``on_error`` listeners; the
        policies in force do not change.
        """
        now = time.monotonic()
        self._next_check = now + self.check_interval
        snapshot = self._stat()
        if snapshot == self._snapshot:
            self._settling = None
            return None
        if self.settle > 0:
            if self._settling is None or self._settling[0] != snapshot:
                self._settling = (snapshot, now)  # still being written? look again soon
                self._next_check = now + min(self.check_interval, self.settle)
                return None
            if now - self._settling[1] < self.settle:
                self._next_check = self._settling[1] + self.settle
                return None
        if not self._reloading.acquire(blocking=False):
            return None  # another thread is reloading right now; its result will do
        try:
            change = self._reload(settled=snapshot)
        except _StillChanging as exc:
            self._settling = (exc.snapshot, time.monotonic())  # settle again from here
            self._next_check = self._settling[1] + self.settle
            return None
        except PolicyError as exc:
            self._snapshot = snapshot  # retry when the files change again, not every second
            log.warning("policy reload failed, previous policies stay in force: %s", exc)
            for listener in self._error_listeners:
                listener(exc)
            return None
        except Exception:
            # a listener failed (the ledger is down?): the change did not take effect, retry
            log.exception("policy change listener failed; previous policies stay in force")
            return None
        finally:
            self._reloading.release()
        return change

    def reload(self) -> PolicyChange | None:
        """Load the files now. Returns the change, or ``None`` if the set is the same.

        Raises :class:`PolicyError` (the previous policies stay in force) if the files do not
        load. If an ``on_change`` listener raises, the change does not take effect either.
        """
        with self._reloading:  # one reload at a time: each change is reported once
            for _ in range(_READ_ATTEMPTS):
                try:
                    return self._reload()
                except _StillChanging:
                    time.sleep(0.01)
            raise PolicyError(
                [PolicyProblem(str(self.override_dir), None, "files kept changing while read")]
            )

    def _reload(
        self, settled: tuple[tuple[str, int, int], ...] | None = None
    ) -> PolicyChange | None:
        # The files are read between two identical looks at them (and, from the watcher, the
        # look that saw them settle): a copy that truncates a file just as it is read must not
        # put the empty or half-written file in force, even for a moment.
        snapshot = self._stat() if settled is None else settled
        try:
            files = read_files(self.override_dir, self.defaults_dir)
            after = self._stat()
            if after != snapshot:
                raise _StillChanging(after)
            bundle = compile_bundle(files)
        except PolicyError as exc:
            self.last_error = exc
            raise
        self.last_error = None
        old = self._bundle
        if bundle.digest == old.digest:
            self._snapshot = snapshot
            return None
        change = _change(old, bundle)
        for listener in self._change_listeners:
            listener(change)
        with self._lock:
            self._bundle = bundle
            self._views.clear()
            self._snapshot = snapshot
        log.info("policy set changed: %s -> %s", old.digest[:12], bundle.digest[:12])
        return change


_READ_ATTEMPTS = 5


class _StillChanging(Exception):
    """The files changed while they were read: look again once they settle."""

    def __init__(self, snapshot: tuple[tuple[str, int, int], ...]) -> None:
        super().__init__("policy files changed while read")
        self.snapshot = snapshot


def _seconds(settings: Settings, key: str, default: float) -> float:
    configured = settings.section("policy").get(key, default)
    if isinstance(configured, bool) or not isinstance(configured, int | float):
        raise ConfigError(f"{settings.config_path}: [policy] {key}: not a number")
    if configured < 0:
        raise ConfigError(f"{settings.config_path}: [policy] {key}: must be ≥ 0")
    return float(configured)


_OTHER = "\x00other"  # stands for any value no policy names (see _analysis)


def _canonical(value: str, literals: frozenset[str] | None) -> str:
    if literals is None or value in literals:
        return value
    return _OTHER


def _change(old: PolicyBundle, new: PolicyBundle) -> PolicyChange:
    before = {f.name: f.sha256 for f in old.files}
    after = {f.name: f.sha256 for f in new.files}
    changed = sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
    return PolicyChange(
        old_digest=old.digest,
        new_digest=new.digest,
        files=tuple((f.name, f.origin, f.sha256) for f in new.files),
        changed=tuple(changed),
        at=datetime.now(UTC),
    )
