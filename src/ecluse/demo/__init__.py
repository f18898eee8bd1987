"""The demo operator: synthetic CRM extracts and a seeded installation."""

from __future__ import annotations

from ecluse.demo._crm import COLUMNS, CrmRow, crm_rows, write_crm_csv
from ecluse.demo._seed import DemoReport, seed_demo

__all__ = ["COLUMNS", "CrmRow", "DemoReport", "crm_rows", "seed_demo", "write_crm_csv"]
