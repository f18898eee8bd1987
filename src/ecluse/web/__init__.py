"""The web console: server-rendered pages for agents, team leads, the DPO and customers.

Pages call the same service functions as the JSON API (case desk, accounts, ledger, privacy,
policy); there is no second business logic here, only presentation. French, Dutch and
English; no third-party scripts or styles; a strict Content-Security-Policy; CSRF tokens on
every form. :func:`create_console_app` builds the ASGI app to mount at ``/``.
"""

from __future__ import annotations

from ecluse.web._app import create_console_app, create_console_router, secure_cookie_setting
from ecluse.web._charts import bar_chart, column_chart
from ecluse.web._portal_auth import (
    CODE_MINUTES,
    MAX_CODES_PER_HOUR,
    MAX_TRIES,
    PortalCustomer,
    end_portal_session,
    resolve_portal_session,
    start_portal_login,
    verify_portal_code,
)

__all__ = [
    "CODE_MINUTES",
    "MAX_CODES_PER_HOUR",
    "MAX_TRIES",
    "PortalCustomer",
    "bar_chart",
    "column_chart",
    "create_console_app",
    "create_console_router",
    "end_portal_session",
    "resolve_portal_session",
    "secure_cookie_setting",
    "start_portal_login",
    "verify_portal_code",
]
