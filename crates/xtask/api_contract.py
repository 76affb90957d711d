#!/usr/bin/env python3
"""The JSON API against its OpenAPI document, run by `cargo xtask test` on a demo portal.

1. The document served at /api/openapi.json must be valid OpenAPI (openapi-spec-validator).
2. Schemathesis then calls every operation with generated requests, three times: without a
   session, with a patient's session (a demo patient enrolled through the API itself, as an
   app would: invitation by printed code, bot check, identity, credentials, terms) and with the
   administrator's staff session. Any 5xx, any status, header, content type or body the
   document does not describe, any request the document calls valid that the server refuses
   outside the statuses schemathesis.toml allows per operation, or any invalid one it accepts,
   fails the run.

Usage: api_contract.py BASE_URL ADMIN_USERNAME ADMIN_PASSWORD [ORG_SLUG]
Environment: PORCHLIGHT_CONTRACT_SECONDS, the time budget of each schemathesis run (default 50).
Exit code: 0 when everything passed, 1 otherwise.
"""

import hashlib
import http.cookiejar
import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "schemathesis.toml"

# Family-name starts to look for a demo patient to enroll; the generator's names cover them.
NAME_STARTS = ["Ma", "Sa", "Ro", "Jo", "Wi", "Ga", "Mi", "Br", "Ha", "Le", "Da", "Ch", "An"]


class Portal:
    """A client of one portal, answering (status, JSON or None)."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def call(self, method, path, body=None, headers=None, form=None):
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        text = response.read().decode("utf-8", "replace")
        try:
            answer = json.loads(text) if text else None
        except ValueError:
            answer = None
        return response.status, answer

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)


def expect(status, answer, wanted, what):
    if status != wanted:
        raise SystemExit(f"api-contract: {what}: expected {wanted}, got {status}: {answer}")
    return answer


def validate_document(portal):
    from openapi_spec_validator import validate

    status, document = portal.call("GET", "/api/openapi.json")
    expect(status, document, 200, "GET /api/openapi.json")
    validate(document)
    operations = sum(len(item) for item in document["paths"].values())
    print(f"api-contract: the OpenAPI document is valid ({operations} operations)")


def staff_session(portal, org, username, password):
    status, _ = portal.call(
        "POST",
        "/staff/sign-in",
        form={"organization": org, "username": username, "password": password},
    )
    token = portal.cookie("porchlight_session")
    if status != 303 or not token:
        raise SystemExit(f"api-contract: the staff sign-in failed ({status})")
    return token


def solve(challenge):
    """The bot check's proof of work, as the page's script solves it."""
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(challenge["max_number"] + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            return str(number)
    raise SystemExit("api-contract: the bot-check challenge has no solution")


def patient_to_enroll(portal, staff):
    for start in NAME_STARTS:
        status, found = portal.call("GET", f"/api/v1/patients?q={start}", headers=staff)
        expect(status, found, 200, "GET /api/v1/patients")
        for patient in found["patients"]:
            status, detail = portal.call(
                "GET", f"/api/v1/patients/{patient['id']}", headers=staff
            )
            expect(status, detail, 200, "GET /api/v1/patients/{patient}")
            portal_status = detail["portal"]
            if (
                portal_status["status"] == "not-invited"
                and portal_status["not_invitable"] is None
                and "printed-code" in portal_status["channels"]
            ):
                return detail["patient"]
    raise SystemExit("api-contract: no demo patient can be invited")


def patient_session(base_url, staff_token):
    """Enrolls a demo patient through the API and answers the patient's session token."""
    staff = {"Cookie": f"porchlight_session={staff_token}"}
    portal = Portal(base_url)
    patient = patient_to_enroll(portal, staff)
    invited = expect(
        *portal.call(
            "POST",
            f"/api/v1/patients/{patient['id']}/invitations",
            body={"channel": "printed-code"},
            headers=staff,
        ),
        201,
        "inviting a demo patient",
    )
    app = Portal(base_url)
    challenge = expect(*app.call("GET", "/api/v1/bot-check/challenge"), 200, "the challenge")
    opened = expect(
        *app.call(
            "POST",
            "/api/v1/enrollment/activate",
            body={
                "code": invited["code"],
                "bot_check": challenge["token"],
                "bot_solution": solve(challenge),
            },
        ),
        201,
        "activating the invitation",
    )
    bearer = {"Authorization": f"Bearer {opened['enrollment_token']}"}
    enrollment = expect(*app.call("GET", "/api/v1/enrollment", headers=bearer), 200, "status")
    identity = {
        "given": patient["given_names"],
        "family": patient["family_name"],
        "birth_date": patient["birth_date"],
    }
    if enrollment["requirements"]["mrn_required"]:
        identity["mrn"] = patient["mrn"]
    step = expect(
        *app.call("POST", "/api/v1/enrollment/identity", body=identity, headers=bearer),
        200,
        "the identity step",
    )
    if step["next_step"] != "credentials":
        raise SystemExit(f"api-contract: the demo practice asks for {step['next_step']} next")
    password = "contract " + secrets.token_urlsafe(18)
    expect(
        *app.call(
            "POST",
            "/api/v1/enrollment/credentials",
            body={
                "username": "contract." + secrets.token_hex(4),
                "password": password,
                "confirmation": password,
            },
            headers=bearer,
        ),
        200,
        "the credentials step",
    )
    documents = expect(
        *app.call("GET", "/api/v1/enrollment/terms", headers=bearer), 200, "the terms"
    )
    activated = expect(
        *app.call(
            "POST",
            "/api/v1/enrollment/terms",
            body={
                "accept_terms": True,
                "accept_privacy": True,
                "terms_version": documents["terms"]["version"],
                "privacy_version": documents["privacy"]["version"],
            },
            headers=bearer,
        ),
        201,
        "accepting the terms",
    )
    return activated["session_token"]


def schemathesis(base_url, name, seconds, options, auth=""):
    """One schemathesis run; answers whether it passed. `auth` is the TOML naming the session
    by its security scheme, so that the `ignored_auth` check knows what to leave out."""
    reports = Path(os.environ.get("PORCHLIGHT_CONTRACT_REPORTS", "target/api-contract"))
    report = reports.resolve() / name
    report.mkdir(parents=True, exist_ok=True)
    config = report / "schemathesis.toml"
    config.write_text(CONFIG.read_text() + auth)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/openapi.json",
        "--checks",
        "all",
        "--max-time",
        str(seconds),
        "--workers",
        "1",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        *options,
    ]
    print(f"\napi-contract: schemathesis, {name} ({seconds} s)", flush=True)
    # Run from the report's folder: schemathesis keeps its cache (.schemathesis/) there.
    code = subprocess.call(command, cwd=report)
    print(f"api-contract: schemathesis, {name}: {'passed' if code == 0 else 'FAILED'}", flush=True)
    return code == 0


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    base_url, username, password = sys.argv[1:4]
    org = sys.argv[4] if len(sys.argv) == 5 else "demo"
    seconds = int(os.environ.get("PORCHLIGHT_CONTRACT_SECONDS", "50"))
    portal = Portal(base_url)
    validate_document(portal)
    # Both sessions first: the anonymous run's failed activations throttle this address.
    staff_token = staff_session(portal, org, username, password)
    patient_token = patient_session(base_url, staff_token)
    print("api-contract: signed in as the administrator and as a newly enrolled patient")
    passed = [
        schemathesis(base_url, "anonymous", seconds, []),
        # Signing out would end the session the run stands on; signing in is the
        # anonymous run's.
        schemathesis(
            base_url,
            "patient",
            seconds,
            [
                "--include-tag",
                "patient",
                "--exclude-operation-id",
                "sign_out",
                "--exclude-operation-id",
                "sign_in",
                "--exclude-operation-id",
                "second_step",
            ],
            f'\n[auth.openapi.patient_bearer]\nbearer = "{patient_token}"\n',
        ),
        schemathesis(
            base_url,
            "staff",
            seconds,
            [
                "--include-tag",
                "front desk",
                "--include-tag",
                "enrollment",
                "--include-tag",
                "administration",
            ],
            f'\n[auth.openapi.staff_session]\napi_key = "{staff_token}"\n',
        ),
    ]
    sys.exit(0 if all(passed) else 1)


if __name__ == "__main__":
    main()
