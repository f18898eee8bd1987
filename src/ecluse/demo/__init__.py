"""The demo operator: synthetic CRM extracts and a seeded installation."""

from __future__ import annotations

from ecluse.demo._crm import COLUMNS, CrmRow, crm_rows, write_crm_csv

__all__ = ["COLUMNS", "CrmRow", "crm_rows", "write_crm_csv"]
