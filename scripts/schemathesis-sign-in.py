#!/usr/bin/env python3
"""Signs in to a running Bình Dân server as a browser would, for scripts/schemathesis.

    schemathesis-sign-in.py staff ORIGIN USERNAME PASSWORD_FILE
    schemathesis-sign-in.py citizen ORIGIN LOGIN PROVINCE
    schemathesis-sign-in.py village ORIGIN PROVINCE
    schemathesis-sign-in.py world ORIGIN VILLAGE STAFF_COOKIE STAFF_CSRF HOST PASSWORD_FILE
    schemathesis-sign-in.py values ORIGIN PROVINCE STAFF_COOKIE CITIZEN_COOKIE [WORLD_FILE]

Prints two lines: the `Cookie` header value carrying the session, and the session's CSRF token
(read from the sign-out form every signed-in page carries). A staff member signs in with the
form of /dang-nhap; a citizen goes through VNeID's stand-in (tests-support/oidc-provider, which
signs in the test user LOGIN without a password) and, on a first sign-in, registers in the
first village of the province's first commune.

`village` prints the first village of the province's first commune (where the citizen
registers). `world` makes, through the forms as a person would, what the staff pages behind an
id need: the staff member (a province admin) appoints HOST, a facilitator of VILLAGE made
beforehand, to the village's team; HOST signs in and opens a class of the team; the staff
member creates an event of the village's commune with a bridge point in the village hosted by
HOST. It prints `event=`, `point=` and `class=` lines.

`values` prints a schemathesis configuration (TOML) whose dictionaries hold identifiers that
exist on the server (units, courses, lessons, quizzes, tasks, exams, people, and the event,
point and class of WORLD_FILE), read from its pages: half of the generated path parameters of
those names take one of them, so the signed-in runs reach the handlers past "no such thing" as
well as its refusal. An `{id}` is a person's, but an event's under `/quan-ly/su-kien/` and
`/api/v1/events/`, and a class's under `/quan-ly/lop-hoc/`.
"""

import re
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

import requests

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def fail(message):
    print(f"schemathesis-sign-in: {message}", file=sys.stderr)
    sys.exit(1)


def csrf_of(session, origin, paths):
    # The first of the pages that carries a form with the session's token.
    for path in paths:
        page = session.get(origin + path, allow_redirects=False, timeout=30)
        found = CSRF.search(page.text) if page.status_code == 200 else None
        if found:
            return found.group(1)
    fail(f"no CSRF token on {', '.join(paths)}: not signed in?")
    return None


def session_cookie(session):
    # The session's cookie (`binhdan`, or `__Host-binhdan` behind TLS); the provider's own
    # cookies and the sign-in's short-lived ones are left out.
    for cookie in session.cookies:
        if cookie.name in ("binhdan", "__Host-binhdan"):
            return f"{cookie.name}={cookie.value}"
    fail("no session cookie was set")
    return None


def staff(origin, username, password_file):
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    s = requests.Session()
    r = s.post(
        origin + "/dang-nhap",
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=60,
    )
    if r.status_code != 303:
        fail(f"staff sign-in answered {r.status_code}")
    return s, ["/quan-ly", "/quan-ly/tai-khoan"]


def citizen(origin, login, province):
    s = requests.Session()
    # To VNeID, then through the provider's redirects (the test login in the interaction's
    # address), until it sends the browser back to the server's callback.
    url = origin + "/dang-nhap/vneid"
    for _ in range(12):
        r = s.get(url, allow_redirects=False, timeout=30)
        if r.status_code not in (302, 303, 307):
            fail(f"{url} answered {r.status_code} during the VNeID sign-in")
        url = urljoin(url, r.headers["Location"])
        if "/interaction/" in url and "login=" not in url:
            url += ("&" if "?" in url else "?") + f"login={login}"
        if url.startswith(origin) and not url.startswith(origin + "/dang-nhap/vneid"):
            break
    else:
        fail("the VNeID sign-in did not come back")
    path = url[len(origin):]
    if path.startswith("/dang-ky"):
        # First sign-in: register in a village of the province's first commune.
        units = s.get(origin + f"/api/v1/units/{province}/children", timeout=30).json()
        communes = units.get("units", [])
        if not communes:
            fail(f"the province {province} has no commune")
        page = s.get(origin + f"/dang-ky?xa={communes[0]['code']}", timeout=30).text
        units = re.findall(r'name="unit" value="([0-9]+)"', page)
        token = CSRF.search(page)
        if not units or not token:
            fail("the registration page offers no village")
        r = s.post(
            origin + "/dang-ky",
            data={"csrf": token.group(1), "unit": units[0]},
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 303:
            fail(f"registration answered {r.status_code}")
    return s, ["/toi", "/hoc/thi"]


def first_village(origin, province):
    units = requests.get(origin + f"/api/v1/units/{province}/children", timeout=30).json()
    communes = units.get("units", [])
    if not communes:
        fail(f"the province {province} has no commune")
    below = requests.get(origin + f"/api/v1/units/{communes[0]['code']}/children", timeout=30).json()
    villages = below.get("units", [])
    if not villages:
        fail(f"the commune {communes[0]['code']} has no village")
    return villages[0]["code"]


def world(origin, village, staff_cookie, staff_csrf, host, password_file):
    admin = requests.Session()
    admin.headers["Cookie"] = staff_cookie

    def post(session, path, data, expect):
        r = session.post(origin + path, data=data, allow_redirects=False, timeout=60)
        if r.status_code != expect:
            fail(f"POST {path} answered {r.status_code}, not {expect}: {r.text[:300]}")
        return r

    def field(pattern, text, what):
        found = re.search(pattern, text, re.S)
        if not found:
            fail(f"no {what} found")
        return found.group(1)

    # The village's team: HOST appointed by the province admin.
    team = f"/quan-ly/to-cong-nghe/{village}"
    post(admin, team + "/thanh-vien", {"csrf": staff_csrf, "username": host}, 303)
    # HOST signs in and opens a class with the form of the team's page.
    member, _ = staff(origin, host, password_file)
    page = member.get(origin + team, allow_redirects=False, timeout=30)
    if page.status_code != 200:
        fail(f"GET {team} as the team member answered {page.status_code}")
    form = field(r'(<form[^>]*action="' + re.escape(team) + r'/lop".*?</form>)', page.text, "class form")
    r = post(
        member,
        team + "/lop",
        {
            "csrf": field(r'name="csrf" value="([^"]+)"', form, "CSRF token"),
            "op": field(r'name="op" value="([^"]+)"', form, "class op"),
            "module": field(r'<option value="([^"]+)"', form, "module"),
            "place": "Nhà văn hóa",
            "starts": field(r'name="starts"[^>]*value="([^"]+)"', form, "class start"),
        },
        303,
    )
    class_id = field(r"/quan-ly/lop-hoc/([0-9]+)", r.headers.get("Location", ""), "class id")
    # An event of the village's commune, open now (Vietnam's time), with a point in the village.
    now = datetime.now(timezone(timedelta(hours=7)))
    r = post(
        admin,
        "/quan-ly/su-kien",
        {
            "csrf": staff_csrf,
            "title": "Lễ ra quân Schemathesis",
            "kind": "ceremony",
            "unit": village[:5],
            "starts": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends": (now + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
            "link": "",
        },
        303,
    )
    event = field(r"/quan-ly/su-kien/([0-9]+)", r.headers.get("Location", ""), "event id")
    r = post(
        admin,
        f"/quan-ly/su-kien/{event}/diem",
        {"csrf": staff_csrf, "name": "Điểm cầu thôn", "unit": village, "host": host, "expected": "40"},
        200,
    )
    point = field(rf'href="/quan-ly/su-kien/{event}/diem/([0-9]+)"', r.text, "point id")
    print(f"event={event}\npoint={point}\nclass={class_id}")


def values(origin, province, staff_cookie, citizen_cookie, world_file=None):
    def page(path, cookie):
        r = requests.get(origin + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
        return r.text if r.status_code == 200 else ""

    def found(pattern, text, limit=4):
        out = []
        for v in re.findall(pattern, text):
            if v not in out:
                out.append(v)
        return out[:limit]

    units = requests.get(origin + f"/api/v1/units/{province}/children", timeout=30).json()
    communes = [u["code"] for u in units.get("units", [])][:3]
    villages = []
    if communes:
        below = requests.get(origin + f"/api/v1/units/{communes[0]}/children", timeout=30).json()
        villages = [u["code"] for u in below.get("units", [])][:3]
    courses_page = page("/hoc", citizen_cookie)
    courses = found(r'href="/hoc/([a-z0-9][a-z0-9-]*)"', courses_page)
    course_pages = "".join(page(f"/hoc/{c}", citizen_cookie) for c in courses[:2])
    exams = page("/hoc/thi", citizen_cookie)
    people = page("/quan-ly/nguoi", staff_cookie)
    dictionaries = {
        "code": [province, *communes, *villages],
        "course": courses,
        "lesson": found(r'href="/bai/([^"/?]+)"', course_pages),
        "module": found(r'href="/hoc/kiem-tra/([^"/?]+)"', course_pages),
        "task": found(r'href="/thuc-hanh/([^"/?]+)"', page("/thuc-hanh", citizen_cookie)),
        "group": found(r'action="/hoc/thi/([^"/]+)/', exams),
        "kind": ["dau-vao", "chung-chi"],
        "kho": ["a4", "dien-thoai"],
        "id": found(r'href="/quan-ly/nguoi/([0-9]+)"', people),
    }
    made = {}
    if world_file:
        with open(world_file, encoding="utf-8") as f:
            made = dict(line.strip().split("=", 1) for line in f if "=" in line)
    # The ids of what `world` made, bound by operation below (`{id}` is not always a person).
    by_operation = {
        "event": ("^/(quan-ly/su-kien|api/v1/events)/", "id"),
        "class": ("^/quan-ly/lop-hoc/", "id"),
    }
    for name in ("event", "point", "class"):
        if made.get(name):
            dictionaries[name] = [made[name]]
    lines = []
    for name, entries in dictionaries.items():
        if entries:
            quoted = ", ".join(f'"{e}"' for e in entries)
            lines.append(f"[dictionaries.{name}]\nvalues = [{quoted}]\n")
    lines.append("[parameters]")
    for name, entries in dictionaries.items():
        if entries and name not in by_operation:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    for name, (regex, parameter) in by_operation.items():
        if dictionaries.get(name):
            lines.append(
                f"\n[[operations]]\ninclude-path-regex = '{regex}'\n"
                f'parameters = {{ "path.{parameter}" = {{ dictionary = "{name}", probability = 0.5 }} }}'
            )
    if dictionaries.get("event"):
        # The live figures of an event under way never end: one event read, then the next
        # request, rather than a worker held for the whole request timeout.
        lines.append(
            "\n[[operations]]\ninclude-path-regex = '/truc-tiep/luong$'\n"
            "max-stream-events = 1\nrequest-timeout = 3"
        )
    print("\n".join(lines))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "staff":
        s, pages = staff(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "citizen":
        s, pages = citizen(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "village":
        print(first_village(*sys.argv[2:]))
        return
    elif len(sys.argv) == 8 and sys.argv[1] == "world":
        world(*sys.argv[2:])
        return
    elif len(sys.argv) in (6, 7) and sys.argv[1] == "values":
        values(*sys.argv[2:])
        return
    else:
        fail(
            "usage: staff ORIGIN USERNAME PASSWORD_FILE | citizen ORIGIN LOGIN PROVINCE"
            " | village ORIGIN PROVINCE"
            " | world ORIGIN VILLAGE STAFF_COOKIE STAFF_CSRF HOST PASSWORD_FILE"
            " | values ORIGIN PROVINCE STAFF_COOKIE CITIZEN_COOKIE [WORLD_FILE]"
        )
    origin = sys.argv[2]
    print(session_cookie(s))
    print(csrf_of(s, origin, pages))


if __name__ == "__main__":
    main()
