"""The organisation and its accounts: operator, vendors, sites, people, logins.

* **Directory** — one operator; vendors with a contract window and countries; their sites
  (country, languages, time zone, business hours); people with a role (operator: admin, dpo,
  analyst, supervisor; vendor: agent, team_lead), a pseudonymous handle shown to customers,
  skills (case types), languages, capacity and a team lead.
* **Accounts** — argon2id passwords, TOTP (required for admin and dpo), sessions with idle and
  absolute expiry, API tokens, lockout after repeated failures, a per-source rate limiter.
  Secrets are stored hashed only.
* **Access** — :func:`resolve_session` / :func:`resolve_api_token` give the request's
  :class:`Principal` after checking, every time, that the person has not left and that their
  vendor's contract is current. :func:`people_without_access` lists whose open cases must go
  back to routing.
* **Business hours** — :func:`business_time_between` and :func:`add_business_time` count SLA
  time in a site's opening hours, across weekends and DST.
"""

from __future__ import annotations

from ecluse.org._access import (
    end_vendor_contract,
    is_active,
    mark_leaver,
    people_without_access,
    principal_for,
)
from ecluse.org._credentials import (
    TotpEnrolment,
    confirm_totp,
    enrol_totp,
    reseal_totp_secrets,
    reset_password,
    reset_totp,
    set_password,
)
from ecluse.org._directory import (
    add_site,
    add_vendor,
    find_site,
    find_vendor,
    get_operator,
    get_site,
    get_vendor,
    list_sites,
    list_vendors,
    set_operator,
    set_vendor_status,
)
from ecluse.org._errors import AuthError, AuthFailure
from ecluse.org._hours import BusinessHours, add_business_time, business_time_between
from ecluse.org._login import authenticate
from ecluse.org._model import (
    TOTP_REQUIRED_ROLES,
    Operator,
    Person,
    Principal,
    Session,
    Site,
    Vendor,
    VendorStatus,
    contract_current,
)
from ecluse.org._passwords import check_password_policy
from ecluse.org._people import (
    add_person,
    find_person,
    get_person,
    list_people,
    set_role,
    update_person,
)
from ecluse.org._policy import DEFAULT_POLICY, AccountPolicy
from ecluse.org._ratelimit import RateLimiter
from ecluse.org._resolve import (
    ApiToken,
    ApiTokenInfo,
    create_api_token,
    list_api_tokens,
    logout,
    resolve_api_token,
    resolve_session,
    revoke_api_token,
    revoke_sessions,
)
from ecluse.org._seed import DemoLogin, DemoOrganisation, seed_demo_organisation

__all__ = [
    "DEFAULT_POLICY",
    "TOTP_REQUIRED_ROLES",
    "AccountPolicy",
    "ApiToken",
    "ApiTokenInfo",
    "AuthError",
    "AuthFailure",
    "BusinessHours",
    "DemoLogin",
    "DemoOrganisation",
    "Operator",
    "Person",
    "Principal",
    "RateLimiter",
    "Session",
    "Site",
    "TotpEnrolment",
    "Vendor",
    "VendorStatus",
    "add_business_time",
    "add_person",
    "add_site",
    "add_vendor",
    "authenticate",
    "business_time_between",
    "check_password_policy",
    "confirm_totp",
    "contract_current",
    "create_api_token",
    "end_vendor_contract",
    "enrol_totp",
    "find_person",
    "find_site",
    "find_vendor",
    "get_operator",
    "get_person",
    "get_site",
    "get_vendor",
    "is_active",
    "list_api_tokens",
    "list_people",
    "list_sites",
    "list_vendors",
    "logout",
    "mark_leaver",
    "people_without_access",
    "principal_for",
    "reseal_totp_secrets",
    "reset_password",
    "reset_totp",
    "resolve_api_token",
    "resolve_session",
    "revoke_api_token",
    "revoke_sessions",
    "seed_demo_organisation",
    "set_operator",
    "set_password",
    "set_role",
    "set_vendor_status",
    "update_person",
]
