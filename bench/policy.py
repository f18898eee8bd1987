"""Policy engine cost per case view: cached against uncached (a full Cedar batch), same run.

    .venv/bin/python bench/policy.py [--quick]

Prints the cost of a case view served from the cache, of one computed by Cedar (up to 77
requests: 11 field classes × 7 questions), of a single uncached decision, of masking a typical
customer record, and the cached/uncached ratio. Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from collections.abc import Callable

from ecluse.masks import mask
from ecluse.policy import CaseContext, PolicyEngine, Principal
from ecluse.vocabulary import VENDOR_ROLES, Action, CaseStatus, CaseType, FieldClass, Role

QUICK = "--quick" in sys.argv


def per_call(fn: Callable[[], object], n: int, repeats: int = 5) -> float:
    """Best-of-``repeats`` mean seconds per call (the best run is the least disturbed)."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n)
    return min(runs)


def population() -> list[tuple[Principal, CaseContext]]:
    """Every role × case type × status × assignment, with three vendors and two teams."""
    people = [Principal(r) for r in Role if r not in VENDOR_ROLES]
    for role, (vendor, country), team in itertools.product(
        VENDOR_ROLES, [("callmaroc", "MA"), ("vlaamscall", "BE"), ("lisboa", "PT")], ["t1", "t2"]
    ):
        people.append(Principal(role, vendor=vendor, site_country=country, team=team))
    cases = [
        CaseContext(t, s, assigned_to_principal=a, in_principal_team_queue=not a)
        for t, s, a in itertools.product(CaseType, CaseStatus, [True, False])
    ]
    return list(itertools.product(people, cases))


RECORD: dict[FieldClass, object] = {
    FieldClass.NAME: "Jean-Pierre Dupont",
    FieldClass.BIRTH_DATE: "1984-03-12",
    FieldClass.NATIONAL_NUMBER: "84.03.12-123.45",
    FieldClass.ADDRESS: "Rue de la Loi 16, 1000 Bruxelles",
    FieldClass.PHONE: ["+32 470 12 34 17", "02 123 45 67"],
    FieldClass.EMAIL: "jean.dupont@example.be",
    FieldClass.IBAN: "BE71 0961 2345 7034",
    FieldClass.CONTRACTS: [{"id": "CTR-2023-000123", "product": "Elec fixed", "start": "2023"}],
    FieldClass.INVOICES: [{"id": "INV-2024-000777", "amount": 81.5, "period": "2024-05"}],
    FieldClass.LINES: [{"msisdn": "32470123417", "plan": "Unlimited"}],
    FieldClass.SUPPLY_POINTS: [{"ean": "541448820044151234", "address": "Rue X 1, 4000 Liège"}],
}


def main() -> None:
    engine = PolicyEngine()
    agent = Principal(Role.AGENT, vendor="callmaroc", site_country="MA", team="t1")
    case = CaseContext(CaseType.METER_MOVE, assigned_to_principal=True)

    def uncached() -> object:
        engine.clear_cache()
        return engine.case_view(agent, case)

    def cached() -> object:
        return engine.case_view(agent, case)

    def single() -> object:
        # EDIT before approval is never served from the cache
        return engine.decide(agent, Action.EDIT, FieldClass.ADDRESS, case)

    def mask_record() -> object:
        return {fc: mask(fc, value) for fc, value in RECORD.items()}

    t_uncached = per_call(uncached, 5 if QUICK else 20, 3)
    t_single = per_call(single, 50 if QUICK else 300, 3)
    engine.case_view(agent, case)
    t_cached = per_call(cached, 20_000 if QUICK else 200_000)
    t_mask = per_call(mask_record, 200 if QUICK else 2_000, 3)

    # a whole installation's worth of distinct (person, case) shapes: warm-up, then steady state
    pairs = population()
    engine.clear_cache()
    misses = engine.misses
    start = time.perf_counter()
    for principal, c in pairs:
        engine.case_view(principal, c)
    warm = time.perf_counter() - start
    misses = engine.misses - misses
    start = time.perf_counter()
    rounds = 2 if QUICK else 20
    for _ in range(rounds):
        for principal, c in pairs:
            engine.case_view(principal, c)
    steady = (time.perf_counter() - start) / (rounds * len(pairs))
    per_view = [t_cached, steady]

    print(f"case view, cached (same person and case):     {t_cached * 1e6:9.2f} µs")
    print(f"case view, cached ({len(pairs):,} distinct shapes):  {steady * 1e6:9.2f} µs")
    print(f"case view, uncached (Cedar, ≤ 77 requests):   {t_uncached * 1e6:9.0f} µs")
    print(f"single uncached decision (Cedar, 1 request):   {t_single * 1e6:9.0f} µs")
    print(f"warming the cache for all {len(pairs):,} shapes:     {warm:9.2f} s ({misses} misses)")
    print(f"masking a customer record (11 field classes):  {t_mask * 1e6:9.1f} µs")
    print(f"ratio uncached / cached: {t_uncached / statistics.mean(per_view):,.0f}x")


if __name__ == "__main__":
    main()
