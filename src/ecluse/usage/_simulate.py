"""Call-record simulator with labelled fraud scenarios and hard legitimate cases.

Everything is drawn with NumPy in whole arrays (one draw per behaviour and day, never one per
record), then DuckDB formats the strings and writes one file per day, so that tens of millions
of records take seconds. The same seed gives the same files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa

from ecluse.errors import EcluseError

__all__ = ["FRAUD_SCENARIOS", "LEGITIMATE_SCENARIOS", "SimulationResult", "simulate"]

FRAUD_SCENARIOS: Final = ("sim_box", "irsf", "wangiri", "resale", "sim_swap")
LEGITIMATE_SCENARIOS: Final = ("crisis", "teen", "small_business", "traveller")
_SHARE: Final = {
    "sim_box": 0.002,
    "irsf": 0.002,
    "wangiri": 0.003,
    "resale": 0.002,
    "sim_swap": 0.002,
    "crisis": 0.002,
    "teen": 0.003,
    "small_business": 0.003,
    "traveller": 0.004,
}
_PLANS: Final = ("consumer_s", "consumer_m", "consumer_unlimited", "business")
_ROAMING: Final = ("", "ES", "FR", "IT", "US", "MA")
_TYPES: Final = ("voice", "sms", "data")
VOICE, SMS, DATA = 0, 1, 2
OUT, IN = 0, 1
# per segment (light, medium, heavy): mean voice out, voice in, sms out, sms in, data per day
_RATES: Final = np.array([[2, 2, 3, 3, 5], [4, 4, 7, 7, 10], [8, 7, 15, 15, 15]], dtype=np.float64)
# local hour-of-day profile of personal use
_HOURS: Final = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 5, 6, 6, 6, 7, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 2],
    dtype=np.float64,
)
_HOURS_P: Final = _HOURS / _HOURS.sum()
_ABROAD_CC: Final = np.array([33, 31, 212, 216, 49, 44, 90, 40, 48, 39])
_RISK_NUMBERS: Final = np.array([882_16, 881_62, 252_61, 675_70, 239_99, 53_52], dtype=np.int64)
_RESALE_CC: Final = np.array([212, 216, 90, 234, 33, 44, 40, 48, 243, 1])
_SIMSWAP_CC: Final = np.array([234, 243, 44_7, 1_876])


@dataclass
class SimulationResult:
    out_dir: Path
    files: list[Path]
    labels: Path
    records: int
    lines: int
    scenarios: dict[str, int] = field(default_factory=dict)


@dataclass
class _Lines:
    msisdn: np.ndarray
    segment: np.ndarray
    plan: np.ndarray
    contacts: np.ndarray
    abroad: np.ndarray  # country code of family abroad, 0 if none
    home_cell: np.ndarray
    work_cell: np.ndarray
    imei: np.ndarray
    scenario: np.ndarray  # index into _ALL, -1 = normal
    onset: np.ndarray  # first day of the scenario
    active_from: np.ndarray  # first day the line has any traffic


_ALL: Final = FRAUD_SCENARIOS + LEGITIMATE_SCENARIOS


class _Day:
    """Columns of one day's records, appended block by block."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, np.ndarray]] = []

    def add(self, **cols: Any) -> None:
        n = len(cols["line"])
        if n == 0:
            return
        block = {k: np.broadcast_to(np.asarray(v), (n,)).copy() for k, v in cols.items()}
        self.blocks.append(block)

    def table(self, lines: _Lines) -> pa.Table:
        keys = (
            "line", "start_s", "type", "dir", "party", "duration", "bytes", "cell", "imei",
            "roam", "charge",
        )  # fmt: skip
        if not self.blocks:
            cols = {k: np.zeros(0, np.int64) for k in keys}
        else:
            cols = {k: np.concatenate([b.get(k, _zero(b, k)) for b in self.blocks]) for k in keys}
        line = cols.pop("line").astype(np.int64)
        cols["imei"] = np.where(cols["imei"] < 0, lines.imei[line], cols["imei"])
        # record ids count in time order; rows are written by line, then time, as the store
        # keeps them (scoring groups by line, and this order keeps its groups together)
        rid = np.empty(len(line), np.int64)
        rid[np.argsort(cols["start_s"], kind="stable")] = np.arange(1, len(line) + 1)
        order = np.lexsort((cols["start_s"], lines.msisdn[line]))
        return pa.table(
            {
                "rid": rid[order],
                "msisdn_num": lines.msisdn[line][order],
                "plan_code": lines.plan[line][order].astype(np.int8),
                **{k: v[order] for k, v in cols.items()},
            }
        )


def _zero(block: dict[str, np.ndarray], key: str) -> np.ndarray:
    n = len(block["line"])
    if key == "imei":
        return np.full(n, -1, np.int64)  # filled from the line's own IMEI later
    if key == "cell":
        return np.full(n, -1, np.int64)
    return np.zeros(n, np.float64 if key == "charge" else np.int64)


def simulate(
    out_dir: Path,
    *,
    lines: int,
    days: int,
    seed: int = 1,
    start: date = date(2026, 3, 2),
    fmt: str = "parquet",
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Write ``days`` files of call records under ``out_dir/cdr/`` and ``out_dir/labels.csv``.

    Scenario lines are a small labelled share of the population (at least two per scenario
    when there are 200 lines or more); every other line is ``normal``.
    """
    import duckdb

    if lines < 1 or days < 1:
        raise EcluseError("simulate: --lines and --days must be at least 1")
    if fmt not in ("parquet", "csv"):
        raise EcluseError("simulate: --format is parquet or csv")
    rng = np.random.default_rng(seed)
    pop = _population(rng, lines, days)
    cdr_dir = out_dir / "cdr"
    cdr_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    files: list[Path] = []
    total = 0
    for d in range(days):
        day = start + timedelta(days=d)
        epoch = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        buf = _Day()
        _normal(rng, pop, d, epoch, buf)
        _scenarios(rng, pop, d, epoch, buf)
        table = buf.table(pop)
        total += table.num_rows
        path = cdr_dir / f"cdr-{day.isoformat()}.{fmt}"
        _write(con, table, path, seed, d, fmt)
        files.append(path)
        if progress:
            progress(d + 1, days)
    con.close()
    labels = out_dir / "labels.csv"
    counts = _write_labels(pop, labels, start)
    return SimulationResult(out_dir, files, labels, total, lines, counts)


def _population(rng: np.random.Generator, n: int, days: int) -> _Lines:
    idx = np.arange(n, dtype=np.int64)
    # a bijection on 8 digits keeps the numbers unique without drawing without replacement
    msisdn = 32_460_000_000 + (idx * 9_999_991 + int(rng.integers(10**8))) % 100_000_000
    segment = rng.choice(3, n, p=[0.4, 0.4, 0.2])
    plan = rng.choice(3, n, p=[0.3, 0.4, 0.3])
    contacts = np.where(segment == 0, 6, np.where(segment == 1, 14, 30)) + rng.integers(0, 8, n)
    abroad = np.where(rng.random(n) < 0.08, rng.choice(_ABROAD_CC, n), 0)
    home_cell = rng.integers(1, 60_000, n)
    work_cell = rng.integers(1, 60_000, n)
    imei = 350_000_000_000_000 + idx * 17 + int(rng.integers(10**6))
    scenario = np.full(n, -1, np.int64)
    if n >= 50:
        free = rng.permutation(n)
        pos = 0
        for s, name in enumerate(_ALL):
            k = max(2 if n >= 200 else 1, round(_SHARE[name] * n))
            scenario[free[pos : pos + k]] = s
            pos += k
    first = min(7, days - 1)
    onset = rng.integers(first, days, n) if days > 1 else np.zeros(n, np.int64)
    active_from = np.zeros(n, np.int64)
    sim_box = scenario == _ALL.index("sim_box")
    active_from[sim_box] = onset[sim_box]  # a SIM box SIM is freshly activated
    small_business = scenario == _ALL.index("small_business")
    contacts[small_business] = 150
    return _Lines(
        msisdn, segment, plan, contacts, abroad, home_cell, work_cell, imei, scenario,
        onset, active_from,
    )  # fmt: skip


def _times(
    rng: np.random.Generator, epoch: int, n: int, hours: np.ndarray | None = None
) -> np.ndarray:
    h = rng.choice(24, n, p=_HOURS_P if hours is None else hours)
    # local hour (UTC+1) -> UTC epoch seconds
    return epoch + (h - 1) * 3600 + rng.integers(0, 3600, n)


def _national(line: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.asarray(32_470_000_000 + (line * 1_000_003 + j * 7_919 + 12_345) % 10_000_000)


def _voice_s(rng: np.random.Generator, n: int, mean: float = 70.0) -> np.ndarray:
    return np.clip(rng.lognormal(np.log(mean), 1.0, n), 11, 5400).astype(np.int64)


def _normal(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    ok = pop.active_from <= d
    for s, name in enumerate(_ALL):
        if name in ("sim_box", "resale"):
            ok &= pop.scenario != s  # these SIMs have no personal life
        if name == "sim_swap":
            ok &= ~((pop.scenario == s) & (d >= pop.onset))  # the fraudster holds the SIM
    active = np.flatnonzero(ok)
    rates = _RATES[pop.segment[active]]
    for col, (typ, direction) in enumerate(
        [(VOICE, OUT), (VOICE, IN), (SMS, OUT), (SMS, IN), (DATA, OUT)]
    ):
        counts = rng.poisson(rates[:, col])
        line = np.repeat(active, counts)
        n = len(line)
        start = _times(rng, epoch, n)
        local_h = ((start - epoch) // 3600 + 1) % 24
        at_work = (local_h >= 9) & (local_h < 18) & (rng.random(n) < 0.7)
        cell = np.where(at_work, pop.work_cell[line], pop.home_cell[line])
        if typ == DATA:
            buf.add(
                line=line, start_s=start, type=DATA, dir=OUT, party=0,
                duration=rng.integers(30, 3600, n),
                bytes=rng.lognormal(np.log(4e6), 1.5, n).astype(np.int64),
                cell=cell, charge=0.0,
            )  # fmt: skip
            continue
        k = pop.contacts[line]
        j = (k * rng.random(n) ** 2).astype(np.int64)  # a few contacts get most of the traffic
        party = _national(line, j)
        abroad = (pop.abroad[line] > 0) & (rng.random(n) < 0.15)
        party = np.where(abroad, pop.abroad[line] * 10**9 + (line * 31 + j) % 10**9, party)
        dur = _voice_s(rng, n) if typ == VOICE else np.zeros(n, np.int64)
        price = np.where(abroad, 0.6, np.where(pop.plan[line] == 0, 0.1, 0.0))
        charge = dur / 60.0 * price if typ == VOICE else np.where(abroad, 0.2, 0.0)
        if direction == IN:
            charge = np.zeros(n)
        buf.add(
            line=line, start_s=start, type=typ, dir=direction, party=party, duration=dur,
            cell=cell, charge=np.round(charge, 4),
        )  # fmt: skip


def _lines_of(pop: _Lines, name: str, d: int, span: int = 1) -> np.ndarray:
    s = _ALL.index(name)
    return np.flatnonzero((pop.scenario == s) & (d >= pop.onset) & (d < pop.onset + span))


def _scenarios(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    _sim_box(rng, pop, d, epoch, buf)
    _irsf(rng, pop, d, epoch, buf)
    _wangiri(rng, pop, d, epoch, buf)
    _resale(rng, pop, d, epoch, buf)
    _sim_swap(rng, pop, d, epoch, buf)
    _crisis(rng, pop, d, epoch, buf)
    _teen(rng, pop, d, epoch, buf)
    _small_business(rng, pop, d, epoch, buf)
    _traveller(rng, pop, d, epoch, buf)


def _sim_box(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "sim_box", d, span=10**6)
    line = np.repeat(lines, rng.integers(150, 400, len(lines)))
    n = len(line)
    flat = np.ones(24) / 24
    buf.add(
        line=line, start_s=_times(rng, epoch, n, flat), type=VOICE, dir=OUT,
        party=32_470_000_000 + rng.integers(0, 10**7, n), duration=_voice_s(rng, n, 120),
        cell=pop.home_cell[line],
        imei=pop.imei[line] + 10**6 * rng.integers(1, 4, n),  # the box rotates handsets
        charge=0.0,
    )  # fmt: skip


def _irsf(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "irsf", d)
    streams = 3
    per = rng.integers(5, 9, len(lines))
    line = np.repeat(np.repeat(lines, streams), np.repeat(per, streams))
    n = len(line)
    # calls chained within each stream, streams in parallel, from 01:00 local
    stream_pos = np.concatenate([np.arange(k) for k in np.repeat(per, streams)]) if n else line
    dur = rng.integers(1200, 2700, n)
    start = epoch + stream_pos * 2800 + rng.integers(0, 60, n)
    target = _RISK_NUMBERS[(line + stream_pos) % len(_RISK_NUMBERS)] * 10**6 + line % 1000
    buf.add(
        line=line, start_s=start, type=VOICE, dir=OUT, party=target, duration=dur,
        cell=pop.home_cell[line], charge=np.round(dur / 60 * 3.0, 4),
    )  # fmt: skip


def _wangiri(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "wangiri", d)
    n = len(lines)
    caller = _RISK_NUMBERS[lines % len(_RISK_NUMBERS)] * 10**6 + 500 + lines % 97
    ring = epoch + rng.integers(9, 20, n) * 3600
    buf.add(
        line=lines, start_s=ring, type=VOICE, dir=IN, party=caller,
        duration=rng.integers(0, 3, n), cell=pop.home_cell[lines], charge=0.0,
    )  # fmt: skip
    back = lines[rng.random(n) < 0.6]
    sel = np.isin(lines, back)
    dur = rng.integers(20, 240, len(back))
    buf.add(
        line=back, start_s=ring[sel] + rng.integers(600, 7200, len(back)), type=VOICE,
        dir=OUT, party=caller[sel], duration=dur, cell=pop.home_cell[back],
        charge=np.round(dur / 60 * 3.0, 4),
    )  # fmt: skip


def _resale(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "resale", d, span=10**6)
    line = np.repeat(lines, rng.integers(60, 160, len(lines)))
    n = len(line)
    hours = np.r_[np.zeros(8), np.ones(16)] / 16
    cc = rng.choice(_RESALE_CC, n)
    buf.add(
        line=line, start_s=_times(rng, epoch, n, hours), type=VOICE, dir=OUT,
        party=cc * 10**9 + rng.integers(0, 10**9, n), duration=_voice_s(rng, n, 400),
        cell=np.where(rng.random(n) < 0.5, pop.home_cell[line], pop.work_cell[line]),
        charge=0.0,
    )  # fmt: skip


def _sim_swap(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "sim_swap", d, span=2)
    line = np.repeat(lines, rng.integers(10, 25, len(lines)))
    n = len(line)
    cc = rng.choice(_SIMSWAP_CC, n)
    dur = _voice_s(rng, n, 300)
    buf.add(
        line=line, start_s=_times(rng, epoch, n), type=VOICE, dir=OUT,
        party=cc * 10**8 + (line * 7 + rng.integers(0, 4, n)) % 10**8, duration=dur,
        cell=pop.work_cell[line] + 7, imei=pop.imei[line] + 9 * 10**7,
        charge=np.round(dur / 60 * 0.6, 4),
    )  # fmt: skip


def _crisis(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    """A nursery director during an outbreak: parents, staff, authorities and the doctor."""
    lines = _lines_of(pop, "crisis", d, span=3)
    day_h = np.r_[np.zeros(7), np.ones(14), np.zeros(3)] / 14
    for typ, lo, hi, direction in ((SMS, 60, 150, OUT), (VOICE, 25, 50, OUT), (VOICE, 20, 45, IN),
                                   (SMS, 30, 80, IN)):  # fmt: skip
        line = np.repeat(lines, rng.integers(lo, hi, len(lines)))
        n = len(line)
        j = rng.integers(0, 62, n)  # some sixty parents, staff and authorities
        doctor = (typ == VOICE) & (rng.random(n) < 0.3)
        party = np.where(doctor, 32_470_999_000 + line % 1000, 32_480_000_000 + line * 100 + j)
        dur = np.where(doctor, rng.integers(300, 1200, n), _voice_s(rng, n, 90))
        buf.add(
            line=line, start_s=_times(rng, epoch, n, day_h), type=typ, dir=direction,
            party=party, duration=dur if typ == VOICE else 0,
            cell=np.where(rng.random(n) < 0.7, pop.work_cell[line], pop.home_cell[line]),
            charge=0.0,
        )  # fmt: skip


def _teen(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "teen", d, span=2)
    evening = np.r_[np.zeros(15), np.ones(9)] / 9
    for direction in (OUT, IN):
        line = np.repeat(lines, rng.integers(300, 650, len(lines)))
        n = len(line)
        friend = (rng.random(n) < 0.3).astype(np.int64)
        buf.add(
            line=line, start_s=_times(rng, epoch, n, evening), type=SMS, dir=direction,
            party=32_490_000_000 + line * 10 + friend, duration=0, cell=pop.home_cell[line],
            charge=0.0,
        )  # fmt: skip


def _small_business(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    weekday = datetime.fromtimestamp(epoch, UTC).weekday() < 5
    lines = _lines_of(pop, "small_business", d, span=10**6) if weekday else np.zeros(0, np.int64)
    office = np.r_[np.zeros(8), np.ones(10), np.zeros(6)] / 10
    for typ, lo, hi, direction in ((VOICE, 30, 60, OUT), (VOICE, 20, 40, IN), (SMS, 5, 15, OUT)):
        line = np.repeat(lines, rng.integers(lo, hi, len(lines)))
        n = len(line)
        j = rng.integers(0, 150, n)  # a client base of some 150 numbers
        buf.add(
            line=line, start_s=_times(rng, epoch, n, office), type=typ, dir=direction,
            party=_national(line, j), duration=_voice_s(rng, n, 150) if typ == VOICE else 0,
            cell=pop.work_cell[line], charge=0.0,
        )  # fmt: skip


def _traveller(rng: np.random.Generator, pop: _Lines, d: int, epoch: int, buf: _Day) -> None:
    lines = _lines_of(pop, "traveller", d, span=7)
    country = 1 + lines % (len(_ROAMING) - 1)
    far = _ROAMING_FAR[country]
    for typ, lo, hi in ((VOICE, 2, 8), (DATA, 10, 30)):
        reps = rng.integers(lo, hi, len(lines))
        line = np.repeat(lines, reps)
        roam = np.repeat(country, reps)
        n = len(line)
        dur = _voice_s(rng, n, 200) if typ == VOICE else rng.integers(60, 3600, n)
        byt = rng.lognormal(np.log(2e7), 1.0, n).astype(np.int64) if typ == DATA else 0
        rate = np.where(np.repeat(far, reps), 1.5 if typ == VOICE else 0.05, 0.0)
        charge = dur / 60 * rate if typ == VOICE else byt / 1e6 * rate
        buf.add(
            line=line, start_s=_times(rng, epoch, n), type=typ, dir=OUT,
            party=_national(line, rng.integers(0, 5, n)) if typ == VOICE else 0, duration=dur,
            bytes=byt, cell=900_000 + roam * 1000 + line % 50, roam=roam,
            charge=np.round(charge, 4),
        )  # fmt: skip


_ROAMING_FAR: Final = np.array([False, False, False, False, True, True])

_WRITE = """
COPY (
  SELECT 'S{seed}-{day}-' || CAST(rid AS VARCHAR) AS record_id,
    {msisdn} AS msisdn,
    {start} AS start_time,
    ['voice', 'sms', 'data'][type + 1] AS type,
    ['out', 'in'][dir + 1] AS direction,
    CASE WHEN party > 0 THEN {party} END AS other_party,
    CAST(duration AS INTEGER) AS duration_s,
    CAST(bytes AS BIGINT) AS bytes,
    'C' || lpad(CAST(cell AS VARCHAR), 6, '0') AS cell_id,
    {imei} AS imei,
    nullif(['', 'ES', 'FR', 'IT', 'US', 'MA'][roam + 1], '') AS roaming_country,
    CAST(charge AS DOUBLE) AS charge,
    ['consumer_s', 'consumer_m', 'consumer_unlimited', 'business'][plan_code + 1] AS plan
  FROM day_table
) TO '{path}' ({options})
"""


def _write(con: Any, table: pa.Table, path: Path, seed: int, d: int, fmt: str) -> None:
    con.register("day_table", table)
    if fmt == "parquet":  # the store's types: numbers as their digits (see _schema)
        start, options = "CAST(to_timestamp(start_s) AS TIMESTAMP)", "FORMAT parquet"
        msisdn, party = "CAST(msisdn_num AS BIGINT)", "CAST(party AS BIGINT)"
        imei = "CAST('1' || CAST(imei AS VARCHAR) AS BIGINT)"
    else:  # a mediation system's text
        start = "strftime(to_timestamp(start_s), '%Y-%m-%dT%H:%M:%SZ')"
        options = "FORMAT csv, HEADER true"
        msisdn, party = "'+' || CAST(msisdn_num AS VARCHAR)", "'+' || CAST(party AS VARCHAR)"
        imei = "CAST(imei AS VARCHAR)"
    sql = _WRITE.format(
        seed=int(seed),
        day=d,
        start=start,
        msisdn=msisdn,
        party=party,
        imei=imei,
        path=str(path).replace("'", "''"),
        options=options,
    )
    con.execute(sql)
    con.unregister("day_table")


def _write_labels(pop: _Lines, path: Path, start: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    rows = ["msisdn,scenario,legitimate,onset"]
    for i in np.flatnonzero(pop.scenario >= 0):
        name = _ALL[pop.scenario[i]]
        counts[name] = counts.get(name, 0) + 1
        onset = start + timedelta(days=int(pop.onset[i]))
        legit = "true" if name in LEGITIMATE_SCENARIOS else "false"
        rows.append(f"+{pop.msisdn[i]},{name},{legit},{onset.isoformat()}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return counts
