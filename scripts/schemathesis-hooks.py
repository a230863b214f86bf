"""Schemathesis hooks for scripts/schemathesis (loaded through SCHEMATHESIS_HOOKS).

A signed-in run gives every form it posts the session's CSRF token (BINHDAN_SCHEMATHESIS_CSRF),
so the generated forms reach the handlers behind the CSRF check instead of all being refused
with 403. Without that variable (the anonymous run) nothing is changed.
"""

import os
from urllib.parse import quote

import schemathesis

CSRF = os.environ.get("BINHDAN_SCHEMATHESIS_CSRF", "")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@schemathesis.hook
def before_call(context, case, kwargs):
    if not CSRF or not (case.media_type or "").startswith(FORMS):
        return
    if isinstance(case.body, dict):
        case.body["csrf"] = CSRF
    elif isinstance(case.body, str) and case.media_type.startswith(FORMS[0]):
        # A form documented as a plain string (fields named by the form's state): the token
        # first, then whatever was generated.
        case.body = f"csrf={quote(CSRF)}&{case.body}"
