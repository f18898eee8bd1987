"""The feature kernel: one pass over a line's records gives every per-record feature of a window.

The records arrive sorted by line and time (as ingest and the simulator store them), as numeric
columns (see :data:`KERNEL_INPUTS`); each run of records of one line and window start is one
group, and the kernel writes one output row per group (see :data:`LINE_COLUMNS`). Per group it
counts and sums the records, counts the distinct cells, handsets, roaming countries, other
parties and their countries (sorting small buffers rather than hashing), follows the calls in
time order for the parallel calls, and classifies each distinct other party once by the longest
matching prefix of the number-range table. Everything that works on these per-line rows (shares,
the plan's peers, the line's history, the anomaly score) is SQL that the engines run
(``_features``).

Compiled with numba, without the GIL: the engines run several batches of lines at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

import numpy as np
import pyarrow as pa
from numba import njit

from ecluse.usage._config import UsageConfig
from ecluse.usage._ranges import RANGE_CLASSES, RangeTable

__all__ = [
    "FLOAT_COLUMNS",
    "INT_COLUMNS",
    "KERNEL_INPUTS",
    "KIND_DATA",
    "KIND_SMS_IN",
    "KIND_SMS_OUT",
    "KIND_VOICE_IN",
    "KIND_VOICE_OUT",
    "LINE_COLUMNS",
    "KernelSetup",
    "RangeKeys",
    "UnsortedRecords",
    "line_rows",
    "load",
]

KIND_VOICE_OUT: Final = 0
KIND_VOICE_IN: Final = 1
KIND_SMS_OUT: Final = 2
KIND_SMS_IN: Final = 3
KIND_DATA: Final = 4

#: The kernel's input columns, in order, all int64 but ``kind`` (int8) and ``charge`` (float64).
#: A missing value is 0 (``other_party``, ``cell``, ``imei``, ``roaming``) or -1 (``plan``, a
#: rank among the sorted plan names).
KERNEL_INPUTS: Final = (
    "msisdn",
    "w",
    "start_s",
    "kind",
    "other_party",
    "duration_s",
    "bytes",
    "charge",
    "cell",
    "imei",
    "roaming",
    "plan",
)

#: The kernel's integer output columns, one row per line and window (0 or -1: none).
INT_COLUMNS: Final = (
    "msisdn",
    "w",
    "plan",
    "n_records",
    "voice_out_n",
    "voice_in_n",
    "sms_out_n",
    "sms_in_n",
    "data_n",
    "voice_out_s",
    "voice_in_s",
    "data_bytes",
    "short_n",
    "night_n",
    "daytime_n",
    "business_n",
    "last_event_s",
    "cells",
    "imeis",
    "imei_first",
    "imei_last",
    "roaming_countries",
    "roaming",
    "distinct_out",
    "distinct_in",
    "distinct_sms_out",
    "top1_n",
    "sq_n",
    "national_out_n",
    "intl_out_n",
    "premium_out_n",
    "high_risk_out_n",
    "risk_out_n",
    "risk_out_s",
    "risk_ring_n",
    "risk_callback_n",
    "out_countries",
    "overlap_n",
    "risk_range",
    "risk_last_end_s",
    "hist_n",
    "prev_imei",
    "prev_imeis",
)
#: Its float output columns (NaN: none): the charge, and the line's history (its previous
#: windows, at most ``history_days``), with the lag columns above (``hist_n``, ``prev_*``).
FLOAT_COLUMNS: Final = (
    "charge",
    "charge_avg",
    "charge_std",
    "out_n_avg",
    "out_n_std",
    "voice_out_s_avg",
    "voice_out_s_std",
    "distinct_out_avg",
    "distinct_out_std",
    "intl_share_avg",
)
LINE_COLUMNS: Final = INT_COLUMNS + FLOAT_COLUMNS
# positions in an output row of INT_COLUMNS, and of FLOAT_COLUMNS (prefixed F)
_MSISDN: Final = 0
_W: Final = 1
_PLAN: Final = 2
_N_RECORDS: Final = 3
_VOICE_OUT_N: Final = 4
_VOICE_IN_N: Final = 5
_SMS_OUT_N: Final = 6
_SMS_IN_N: Final = 7
_DATA_N: Final = 8
_VOICE_OUT_S: Final = 9
_VOICE_IN_S: Final = 10
_DATA_BYTES: Final = 11
_SHORT_N: Final = 12
_NIGHT_N: Final = 13
_DAYTIME_N: Final = 14
_BUSINESS_N: Final = 15
_LAST_EVENT_S: Final = 16
_CELLS: Final = 17
_IMEIS: Final = 18
_IMEI_FIRST: Final = 19
_IMEI_LAST: Final = 20
_ROAMING_COUNTRIES: Final = 21
_ROAMING: Final = 22
_DISTINCT_OUT: Final = 23
_DISTINCT_IN: Final = 24
_DISTINCT_SMS_OUT: Final = 25
_TOP1_N: Final = 26
_SQ_N: Final = 27
_NATIONAL_OUT_N: Final = 28
_INTL_OUT_N: Final = 29
_PREMIUM_OUT_N: Final = 30
_HIGH_RISK_OUT_N: Final = 31
_RISK_OUT_N: Final = 32
_RISK_OUT_S: Final = 33
_RISK_RING_N: Final = 34
_RISK_CALLBACK_N: Final = 35
_OUT_COUNTRIES: Final = 36
_OVERLAP_N: Final = 37
_RISK_RANGE: Final = 38
_RISK_LAST_END_S: Final = 39
_HIST_N: Final = 40
_PREV_IMEI: Final = 41
_PREV_IMEIS: Final = 42
_FCHARGE: Final = 0
_FCHARGE_AVG: Final = 1
_FCHARGE_STD: Final = 2
_FOUT_N_AVG: Final = 3
_FOUT_N_STD: Final = 4
_FVOICE_OUT_S_AVG: Final = 5
_FVOICE_OUT_S_STD: Final = 6
_FDISTINCT_OUT_AVG: Final = 7
_FDISTINCT_OUT_STD: Final = 8
_FINTL_SHARE_AVG: Final = 9
#: A time that is not there (``risk_last_end_s`` of a line without risky calls).
_NO_TIME: Final = np.iinfo(np.int64).min

_F = TypeVar("_F", bound=Callable[..., Any])


def _compiled(fn: _F) -> _F:
    """Compiled by numba to machine code, cached on disk, run without the GIL."""
    return cast(_F, njit(cache=True, nogil=True)(fn))


# range classes as the kernel numbers them; a party no range matches is a short code
CLS_NATIONAL, CLS_PREMIUM, CLS_INTERNATIONAL, CLS_HIGH_RISK, CLS_NONE = range(5)


class RangeKeys:
    """The number-range table as sorted integer keys: ``length * 10**8 + prefix digits``.

    ``lengths`` are the distinct prefix lengths (digits after the ``+``), longest first; for
    each key, the range's class, its country's index in ``countries`` and its index in the
    table (to name its prefix).
    """

    def __init__(self, prefixes: list[str], classes: list[str], countries: list[str]) -> None:
        self.countries = sorted(set(countries))
        digits = [len(p) - 1 for p in prefixes]
        raw = [
            (
                n * 10**8 + (int(p[1:]) if n else 0),
                RANGE_CLASSES.index(c),
                self.countries.index(k),
                i,
            )
            for i, (n, p, c, k) in enumerate(zip(digits, prefixes, classes, countries, strict=True))
        ]
        raw.sort()
        self.keys = np.array([r[0] for r in raw], dtype=np.int64)
        self.cls = np.array([r[1] for r in raw], dtype=np.int64)
        self.country = np.array([r[2] for r in raw], dtype=np.int64)
        self.index = np.array([r[3] for r in raw], dtype=np.int64)
        self.lengths = np.array(sorted(set(digits), reverse=True), dtype=np.int64)

    def country_index(self, code: str) -> int:
        """The index of ``code`` in ``countries``, -2 if no range has it (never equal)."""
        return self.countries.index(code) if code in self.countries else -2


@_compiled
def _sort(keys: Any, n: int) -> None:
    """Sort ``keys[:n]`` in place: insertion sort for the small runs a line mostly has."""
    if n > 48:
        keys[:n] = np.sort(keys[:n])
        return
    for i in range(1, n):
        v = keys[i]
        j = i - 1
        while j >= 0 and keys[j] > v:
            keys[j + 1] = keys[j]
            j -= 1
        keys[j + 1] = v


@_compiled
def _distinct(keys: Any, n: int) -> int:
    """The number of distinct values of ``keys[:n]`` (sorts them)."""
    _sort(keys, n)
    d = 0
    for i in range(n):
        if i == 0 or keys[i] != keys[i - 1]:
            d += 1
    return d


@_compiled
def _distinct_present(values: Any, i0: int, i1: int, buf: Any) -> int:
    """The number of distinct non-zero (present) values of ``values[i0:i1]``.

    A line mostly has a handful of cells, handsets and roaming countries: each value is looked
    for among those seen so far; past 16 of them, all the values are sorted instead.
    """
    m = 0
    for i in range(i0, i1):
        v = values[i]
        if v == 0:
            continue
        j = 0
        while j < m and buf[j] != v:
            j += 1
        if j == m:
            if m == 16:
                n = 0
                for k in range(i0, i1):
                    if values[k] != 0:
                        buf[n] = values[k]
                        n += 1
                return _distinct(buf, n)
            buf[m] = v
            m += 1
    return m


@_compiled
def _sort_by(keys: Any, idx: Any, n: int) -> None:
    """Sort ``idx[:n]`` by ``keys[idx]`` (stable)."""
    if n > 48:
        order = np.argsort(keys[idx[:n]], kind="mergesort")
        idx[:n] = idx[:n][order]
        return
    for i in range(1, n):
        v = idx[i]
        kv = keys[v]
        j = i - 1
        while j >= 0 and keys[idx[j]] > kv:
            idx[j + 1] = idx[j]
            j -= 1
        idx[j + 1] = v


@_compiled
def _classify(party: int, rkeys: Any, lengths: Any) -> int:
    """The position in ``rkeys`` of the longest prefix matching ``party`` (> 0), or -1."""
    digits = 0
    p = party
    while p > 0:
        digits += 1
        p //= 10
    for n in lengths:
        if n > digits:
            continue
        key = n * 100_000_000 + party // 10 ** (digits - n)
        lo, hi = 0, len(rkeys)
        while lo < hi:
            mid = (lo + hi) // 2
            if rkeys[mid] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(rkeys) and rkeys[lo] == key:
            return lo
    return -1


@_compiled
def _groups(msisdn: Any, w: Any, start_s: Any) -> Any:
    """Start of each group (line and window) and the end; -1 if the records are not sorted."""
    n = len(msisdn)
    starts = np.empty(n + 1, dtype=np.int64)
    g = 0
    for i in range(n):
        if i == 0 or msisdn[i] != msisdn[i - 1] or w[i] != w[i - 1]:
            if i > 0 and (
                msisdn[i] < msisdn[i - 1] or (msisdn[i] == msisdn[i - 1] and w[i] < w[i - 1])
            ):
                return starts[:0]
            starts[g] = i
            g += 1
        elif start_s[i] < start_s[i - 1]:
            return starts[:0]
    starts[g] = n
    return starts[: g + 1]


@_compiled
def _kernel(
    msisdn: Any,
    w: Any,
    start_s: Any,
    kind: Any,
    party: Any,
    duration: Any,
    nbytes: Any,
    charge: Any,
    cell: Any,
    imei: Any,
    roaming: Any,
    plan: Any,
    starts: Any,
    params: Any,
    rkeys: Any,
    rcls: Any,
    rcountry: Any,
    rindex: Any,
    lengths: Any,
    out: Any,
    outf: Any,
) -> None:
    off, short, one_ring, night_start, night_end, home, hist = (
        params[0],
        params[1],
        params[2],
        params[3],
        params[4],
        params[5],
        params[6],
    )
    wrap = night_start > night_end
    groups = len(starts) - 1
    big = 0
    for g in range(groups):
        big = max(big, starts[g + 1] - starts[g])
    buf = np.empty(big, dtype=np.int64)
    idx = np.empty(big, dtype=np.int64)
    for g in range(groups):
        i0, i1 = starts[g], starts[g + 1]
        o = out[g]
        o[:] = 0
        o[_MSISDN] = msisdn[i0]
        o[_W] = w[i0]
        o[_N_RECORDS] = i1 - i0
        # counters in locals (registers), written to the row once
        vo_n = vi_n = so_n = si_n = dt_n = vo_s = vi_s = data_bytes = 0
        short_n = night_n = daytime_n = business_n = 0
        top_plan = -1
        chg = 0.0
        imei_first = imei_last = roam_last = 0
        last = start_s[i0]
        for i in range(i0, i1):
            k = kind[i]
            d = duration[i]
            t = start_s[i]
            top_plan = max(top_plan, plan[i])
            chg += charge[i]
            last = max(last, t)
            if imei[i] != 0:
                if imei_first == 0:
                    imei_first = imei[i]
                imei_last = imei[i]
            if roaming[i] != 0:
                roam_last = roaming[i]
            if k == KIND_DATA:
                dt_n += 1
                data_bytes += nbytes[i]
                continue
            if k <= KIND_VOICE_IN and d <= short:
                short_n += 1
            if k == KIND_VOICE_OUT:
                vo_n += 1
                vo_s += d
            elif k == KIND_VOICE_IN:
                vi_n += 1
                vi_s += d
            elif k == KIND_SMS_OUT:
                so_n += 1
            elif k == KIND_SMS_IN:
                si_n += 1
            sod = (t + off) % 86400
            h = sod // 3600
            if (h >= night_start or h < night_end) if wrap else night_start <= h < night_end:
                night_n += 1
            if 7 * 3600 <= sod < 21 * 3600:
                daytime_n += 1
            if 8 * 3600 <= sod < 18 * 3600 and ((t + off) // 86400 + 3) % 7 < 5:
                business_n += 1
        o[_PLAN] = top_plan
        o[_VOICE_OUT_N] = vo_n
        o[_VOICE_IN_N] = vi_n
        o[_SMS_OUT_N] = so_n
        o[_SMS_IN_N] = si_n
        o[_DATA_N] = dt_n
        o[_VOICE_OUT_S] = vo_s
        o[_VOICE_IN_S] = vi_s
        o[_DATA_BYTES] = data_bytes
        o[_SHORT_N] = short_n
        o[_NIGHT_N] = night_n
        o[_DAYTIME_N] = daytime_n
        o[_BUSINESS_N] = business_n
        outf[g, _FCHARGE] = chg
        o[_LAST_EVENT_S] = last
        o[_CELLS] = _distinct_present(cell, i0, i1, buf)
        o[_IMEIS] = _distinct_present(imei, i0, i1, buf)
        o[_IMEI_FIRST] = imei_first
        o[_IMEI_LAST] = imei_last
        o[_ROAMING_COUNTRIES] = _distinct_present(roaming, i0, i1, buf)
        o[_ROAMING] = roam_last
        # parallel calls: outgoing calls in time order, each against the latest end before it
        prev_end = _NO_TIME
        for i in range(i0, i1):
            if kind[i] == KIND_VOICE_OUT and duration[i] > 0:
                if start_s[i] < prev_end:
                    o[_OVERLAP_N] += 1
                e = start_s[i] + duration[i]
                if e > prev_end:
                    prev_end = e
        # the other parties: records of one party side by side, in time order
        m = 0
        for i in range(i0, i1):
            if party[i] != 0:
                idx[m] = i
                m += 1
        _sort_by(party, idx, m)
        risk_key = -1
        risk_range = -1
        risk_end = _NO_TIME
        c = 0  # countries called, collected in buf
        j = 0
        while j < m:
            p = party[idx[j]]
            out_n = in_n = sms_out = ring = 0
            vo_s = 0
            first_ring = _NO_TIME
            last_out = _NO_TIME
            last_end = _NO_TIME
            while j < m and party[idx[j]] == p:
                i = idx[j]
                k = kind[i]
                if k in (KIND_VOICE_OUT, KIND_SMS_OUT):
                    out_n += 1
                elif k in (KIND_VOICE_IN, KIND_SMS_IN):
                    in_n += 1
                if k == KIND_SMS_OUT:
                    sms_out += 1
                if k == KIND_VOICE_OUT:
                    vo_s += duration[i]
                    last_out = max(last_out, start_s[i])
                    last_end = max(last_end, start_s[i] + duration[i])
                if k == KIND_VOICE_IN and duration[i] <= one_ring:
                    ring += 1
                    if first_ring == _NO_TIME or start_s[i] < first_ring:
                        first_ring = start_s[i]
                j += 1
            r = _classify(p, rkeys, lengths) if p > 0 else -1
            cls = rcls[r] if r >= 0 else CLS_NONE
            country = rcountry[r] if r >= 0 else -1
            if out_n > 0:
                o[_DISTINCT_OUT] += 1
            if in_n > 0:
                o[_DISTINCT_IN] += 1
            if sms_out > 0:
                o[_DISTINCT_SMS_OUT] += 1
            if out_n > o[_TOP1_N]:
                o[_TOP1_N] = out_n
            o[_SQ_N] += out_n * out_n
            foreign = cls != CLS_NONE and country != home
            if cls == CLS_NATIONAL:
                o[_NATIONAL_OUT_N] += out_n
            if foreign:
                o[_INTL_OUT_N] += out_n
                if out_n > 0:
                    buf[c] = country
                    c += 1
            if cls == CLS_PREMIUM:
                o[_PREMIUM_OUT_N] += out_n
            if cls == CLS_HIGH_RISK:
                o[_HIGH_RISK_OUT_N] += out_n
            if cls == CLS_HIGH_RISK or (cls == CLS_PREMIUM and country != home):
                o[_RISK_OUT_N] += out_n
                o[_RISK_OUT_S] += vo_s
                o[_RISK_RING_N] += ring
                if ring > 0 and last_out != _NO_TIME and last_out > first_ring:
                    o[_RISK_CALLBACK_N] += 1
                if last_end > risk_end:
                    risk_end = last_end
                key = vo_s * 1000 + out_n * 10 + ring
                if key > risk_key:
                    risk_key = key
                    risk_range = rindex[r]
        o[_OUT_COUNTRIES] = _distinct(buf, c)
        o[_RISK_RANGE] = risk_range
        o[_RISK_LAST_END_S] = risk_end if risk_end != _NO_TIME else -1
    _history(out, outf, hist)


@_compiled
def _mean_std(values: Any, n: int) -> tuple[float, float]:
    """Mean and sample standard deviation of ``values[:n]`` (NaN where SQL gives NULL)."""
    if n == 0:
        return np.nan, np.nan
    total = 0.0
    for i in range(n):
        total += values[i]
    mean = total / n
    if n == 1:
        return mean, np.nan
    spread = 0.0
    for i in range(n):
        spread += (values[i] - mean) ** 2
    return mean, np.sqrt(spread / (n - 1))


@_compiled
def _history(out: Any, outf: Any, hist: int) -> None:
    """Each row against the line's previous rows (windows), at most ``hist`` of them: the
    mean and spread of its charge, outgoing events, minutes and distinct numbers."""
    vals = np.empty((4, hist), dtype=np.float64)
    intl = np.empty(hist, dtype=np.float64)
    for g in range(len(out)):
        o, f = out[g], outf[g]
        n = 0
        while n < hist and g - n > 0 and out[g - n - 1, _MSISDN] == o[_MSISDN]:
            p = g - n - 1
            out_n = out[p, _VOICE_OUT_N] + out[p, _SMS_OUT_N]
            vals[0, n] = outf[p, _FCHARGE]
            vals[1, n] = out_n
            vals[2, n] = out[p, _VOICE_OUT_S]
            vals[3, n] = out[p, _DISTINCT_OUT]
            intl[n] = out[p, _INTL_OUT_N] / max(out_n, 1)
            n += 1
        o[_HIST_N] = n
        o[_PREV_IMEI] = out[g - 1, _IMEI_LAST] if n else 0
        o[_PREV_IMEIS] = out[g - 1, _IMEIS] if n else -1
        f[_FCHARGE_AVG], f[_FCHARGE_STD] = _mean_std(vals[0], n)
        f[_FOUT_N_AVG], f[_FOUT_N_STD] = _mean_std(vals[1], n)
        f[_FVOICE_OUT_S_AVG], f[_FVOICE_OUT_S_STD] = _mean_std(vals[2], n)
        f[_FDISTINCT_OUT_AVG], f[_FDISTINCT_OUT_STD] = _mean_std(vals[3], n)
        f[_FINTL_SHARE_AVG] = _mean_std(intl, n)[0]


class UnsortedRecords(Exception):
    """The records did not come sorted by line and time; the engine sorts them and starts over."""


@dataclass(frozen=True)
class KernelSetup:
    """What the kernel needs besides the records: the configuration's numbers and the ranges."""

    # int64: UTC offset (s), short call (s), one ring (s), night start, end (h), home, history
    params: Any
    ranges: RangeKeys

    @classmethod
    def of(cls, cfg: UsageConfig, table: RangeTable) -> KernelSetup:
        keys = RangeKeys(
            [r.prefix for r in table.ranges],
            [r.range_class for r in table.ranges],
            [r.country for r in table.ranges],
        )
        params = np.array(
            [
                int(cfg.local_utc_offset_h) * 3600,
                int(cfg.short_call_s),
                int(cfg.one_ring_s),
                int(cfg.night_start_h),
                int(cfg.night_end_h),
                keys.country_index(cfg.home_country),
                int(cfg.history_days),
            ],
            dtype=np.int64,
        )
        return cls(params, keys)


def _rows(cols: list[Any], setup: KernelSetup) -> pa.RecordBatch:
    """The output rows of complete lines ``cols`` (arrays in KERNEL_INPUTS order)."""
    starts = _groups(cols[0], cols[1], cols[2])
    if len(starts) == 0:
        raise UnsortedRecords
    groups = len(starts) - 1
    out = np.empty((groups, len(INT_COLUMNS)), dtype=np.int64)
    outf = np.empty((groups, len(FLOAT_COLUMNS)), dtype=np.float64)
    r = setup.ranges
    msisdn, w, start_s, kind, party, duration, nbytes, charge, cell, imei, roaming, plan = cols
    _kernel(
        msisdn, w, start_s, kind, party, duration, nbytes, charge, cell, imei, roaming, plan,
        starts, setup.params, r.keys, r.cls, r.country, r.index, r.lengths, out, outf,
    )  # fmt: skip
    # one contiguous copy per column; NaN is a missing value
    arrays = [pa.array(np.ascontiguousarray(out[:, i])) for i in range(len(INT_COLUMNS))]
    arrays += [
        pa.array(np.ascontiguousarray(outf[:, i]), from_pandas=True)
        for i in range(len(FLOAT_COLUMNS))
    ]
    return pa.RecordBatch.from_arrays(arrays, names=list(LINE_COLUMNS))


def load() -> None:
    """Load the kernel's machine code (from numba's cache, compiled on the first run ever):
    about half a second, which a thread can spend while the engine starts reading."""
    empty = [np.zeros(1, dtype=np.int8 if c == "kind" else np.int64) for c in KERNEL_INPUTS]
    empty[KERNEL_INPUTS.index("charge")] = np.zeros(1)
    _rows(empty, KernelSetup.of(UsageConfig(), RangeTable("BE", ())))


def _columns(batch: pa.RecordBatch) -> list[Any]:
    return [batch.column(name).to_numpy() for name in KERNEL_INPUTS]


def _last_line_start(msisdn: Any) -> int:
    """Where the records of the batch's last line begin (they may go on in the next batch)."""
    other = np.flatnonzero(msisdn != msisdn[-1])
    return int(other[-1]) + 1 if len(other) else 0


def line_rows(batches: Iterable[pa.RecordBatch], setup: KernelSetup) -> Iterator[pa.RecordBatch]:
    """The kernel over a stream of record batches (columns :data:`KERNEL_INPUTS`, sorted by line
    and time): the per-line rows, batch by batch. A line's records may span batches: its rows
    come once it is complete. The kernel of one batch runs in a thread of its own (it holds no
    GIL) while the next batch is read. Raises :class:`UnsortedRecords` on records out of order.
    """
    with ThreadPoolExecutor(1) as pool:
        pending: Future[pa.RecordBatch] | None = None
        carry: list[Any] | None = None  # the records of the last line so far
        for batch in batches:
            if batch.num_rows == 0:
                continue
            cols = _columns(batch)
            done: list[Any] | None = None
            if carry is not None:
                line = carry[0][0]
                other = np.flatnonzero(cols[0] != line)
                same = int(other[0]) if len(other) else len(cols[0])
                carry = [np.concatenate([c, v[:same]]) for c, v in zip(carry, cols, strict=True)]
                if same == len(cols[0]):
                    continue  # the whole batch goes on with the carried line
                if cols[0][same] < line:
                    raise UnsortedRecords
                done, carry = carry, None
                cols = [v[same:] for v in cols]
            cut = _last_line_start(cols[0])
            if cut > 0 and cols[0][cut - 1] > cols[0][cut]:
                raise UnsortedRecords
            if pending is not None:
                yield pending.result()
            if done is not None:
                yield _rows(done, setup)
            pending = pool.submit(_rows, [v[:cut] for v in cols], setup) if cut else None
            carry = [v[cut:] for v in cols]
        if pending is not None:
            yield pending.result()
        if carry is not None:
            yield _rows(carry, setup)
