#!/usr/bin/env python3
"""The demo's session cookie as a real browser sees it.

Starts the demo (examples/demo) twice -- three nodes with the hardened
cookie and a test clock, one node with the development cookie -- and a
small "other site" server, then drives Debian's headless Chromium through
Python playwright (PyPI) and checks, case by case, what the browser's own
cookie jar holds and what the nodes answer. See docs/browsers.md.

    python3 examples/demo/browser/suite.py [path/to/sealed-session-demo]

Needs: Debian's `chromium` (/usr/bin/chromium, or $CHROMIUM) and
`pip install playwright` (never `playwright install`: the suite uses the
Debian browser). Exits 1 when anything is missing or any case fails.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = (
    "the browser suite needs Debian's Chromium and Python playwright:\n"
    "    apt-get install -y chromium        # /usr/bin/chromium (or set CHROMIUM=/path)\n"
    "    pip install playwright             # the Python package only; do NOT run `playwright install`\n"
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sys.exit("error: Python playwright is not installed.\n" + INSTALL_HINT)
if not os.access(CHROMIUM, os.X_OK):
    sys.exit(f"error: no Chromium at {CHROMIUM}.\n" + INSTALL_HINT)

# The demo's defaults (NodeConfig::new): 30 idle minutes, renewed past half
# of them, 8 hours in all, a 5-second user cache.
IDLE = 30 * 60
RENEW_AFTER = IDLE // 2
ABSOLUTE = 8 * 3600
CACHE_TTL = 5
HARDENED = "__Host-session"
DEV = "session"

# Flags known to work in a closed network; playwright adds --headless and a
# fresh --user-data-dir. app.test is a host name that is not loopback but
# reaches the demo on 127.0.0.1 (like an /etc/hosts alias or a LAN name).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP app.test 127.0.0.1",
]


class Demo:
    """One demo process; its stderr goes to a file we can search."""

    def __init__(self, binary, tmp, label, nodes, env):
        self.label = label
        self.err_path = os.path.join(tmp, f"{label}.stderr")
        self.out_path = os.path.join(tmp, f"{label}.stdout")
        full_env = dict(os.environ)
        for k in ("DEMO_COOKIE", "DEMO_TEST_CLOCK", "SEALED_SESSION_KEY", "SEALED_SESSION_KEY_FILE", "DEMO_KEY_DIR"):
            full_env.pop(k, None)
        full_env.update(
            DEMO_PORT="0",  # each node on a free port; read them from stdout
            DEMO_NODES=str(nodes),
            DEMO_DB=os.path.join(tmp, f"{label}.sqlite3"),
            **env,
        )
        self.proc = subprocess.Popen(
            [binary],
            env=full_env,
            stdout=open(self.out_path, "w"),
            stderr=open(self.err_path, "w"),
        )
        listening = re.compile(r"^node-(\d+) listening on http://127\.0\.0\.1:(\d+)$", re.M)
        deadline = time.time() + 60
        while True:
            with open(self.out_path) as f:
                found = {int(n): int(p) for n, p in listening.findall(f.read())}
            if len(found) == nodes:
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"demo {label} exited: {self.stderr()}")
            if time.time() > deadline:
                raise RuntimeError(f"demo {label}: {len(found)} of {nodes} nodes listening after 60 s")
            time.sleep(0.1)
        self.ports = [found[n] for n in range(1, nodes + 1)]

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class OtherSite(http.server.BaseHTTPRequestHandler):
    """GET /form?target=URL: a page that at once submits a form POST to URL."""

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        target = query.get("target", [""])[0]
        page = (
            "<!doctype html><title>another site</title>"
            f'<form id="f" method="POST" action="{target}"><input name="x" value="1"></form>'
            "<script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Suite:
    def __init__(self, browser, demo, dev_demo, other_port):
        self.browser = browser
        self.demo = demo
        self.dev = dev_demo
        self.other_port = other_port
        self.clock_offset = 0

    # -- helpers -----------------------------------------------------------

    def origin(self, host, node=0, demo=None):
        return f"http://{host}:{(demo or self.demo).ports[node]}"

    def advance(self, secs):
        """Move the three nodes' test clock forward."""
        req = urllib.request.Request(
            self.origin("127.0.0.1") + "/test/advance-clock", data=str(secs).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200, f"advance-clock: {r.status}")
        self.clock_offset += secs

    def context(self):
        ctx = self.browser.new_context()
        ctx.set_default_timeout(30000)  # a loaded 2-core CI machine
        return ctx, ctx.new_page()

    def post(self, page, origin, path, body=None):
        """fetch() from a page on `origin` (same-origin: the browser sends
        and stores cookies itself). Gives (status, text)."""
        if not page.url.startswith(origin + "/"):
            # Any document on that origin will do; /me has a body even when
            # it answers 401 (Chromium shows an error page for an empty 404).
            page.goto(origin + "/me")
        return page.evaluate(
            """async ([path, body]) => {
                const init = {method: 'POST'};
                if (body !== null) {
                    init.headers = {'content-type': 'application/json'};
                    init.body = body;
                }
                const r = await fetch(path, init);
                return [r.status, await r.text()];
            }""",
            [path, body],
        )

    def login(self, page, origin, user="alice"):
        status, text = self.post(page, origin, "/login", json.dumps({"user": user, "password": f"{user}-pass"}))
        check(status == 200, f"login on {origin}: {status} {text}")
        body = json.loads(text)
        check(body["name"] == user, f"login answered {body}")
        return body

    def get(self, page, url):
        """A top-level navigation: (status, body text, Set-Cookie headers)."""
        resp = page.goto(url)
        set_cookie = resp.all_headers().get("set-cookie", "")
        return resp.status, resp.text(), set_cookie

    def jar(self, ctx, host, name):
        return [c for c in ctx.cookies() if c["name"] == name and c["domain"] == host]

    def only_cookie(self, ctx, host, name):
        found = self.jar(ctx, host, name)
        check(len(found) == 1, f"one {name} cookie for {host} in the jar, found {found}")
        return found[0]

    # -- cases ---------------------------------------------------------------

    def hardened_login(self, host):
        ctx, page = self.context()
        origin = self.origin(host)
        before = time.time()
        self.login(page, origin)
        c = self.only_cookie(ctx, host, HARDENED)
        check(c["value"].startswith("v2.local."), f"value {c['value'][:20]}")
        check(c["secure"] is True, f"Secure: {c}")
        check(c["httpOnly"] is True, f"HttpOnly: {c}")
        check(c["sameSite"] == "Lax", f"SameSite: {c}")
        check(c["path"] == "/", f"Path: {c}")
        # Max-Age = the token's remaining idle lifetime (30 min).
        check(before + IDLE - 5 <= c["expires"] <= time.time() + IDLE + 1, f"expires {c['expires']} vs now {before}")
        # Script can set and read its own cookie, but never the session's.
        seen = page.evaluate("() => { document.cookie = 'probe=1; path=/'; return document.cookie; }")
        check("probe=1" in seen, f"document.cookie works at all: {seen!r}")
        check(HARDENED not in seen and "v2.local." not in seen, f"document.cookie shows the session: {seen!r}")
        # Cookies are not port-specific: the other two nodes accept it.
        for node in (1, 2):
            status, text, _ = self.get(page, self.origin(host, node) + "/me")
            check(status == 200, f"/me on node-{node + 1} via {host}: {status} {text}")
            check(json.loads(text)["node"] == f"node-{node + 1}", text)
        ctx.close()

    def case_login_127(self):
        self.hardened_login("127.0.0.1")

    def case_login_localhost(self):
        self.hardened_login("localhost")

    def case_renewal_then_absolute_lifetime(self):
        ctx, page = self.context()
        login = self.login(page, self.origin("127.0.0.1"))
        first = self.only_cookie(ctx, "127.0.0.1", HARDENED)["value"]
        start = self.clock_offset
        # Before the renewal point: no new cookie.
        status, _, set_cookie = self.get(page, self.origin("127.0.0.1", 1) + "/me")
        check(status == 200 and set_cookie == "", f"early /me: {status} {set_cookie!r}")
        check(self.only_cookie(ctx, "127.0.0.1", HARDENED)["value"] == first, "cookie changed before renewal point")
        # Past the renewal point: the browser's cookie is replaced.
        self.advance(RENEW_AFTER + 60)
        status, text, set_cookie = self.get(page, self.origin("127.0.0.1", 1) + "/me")
        check(status == 200, f"/me past renewal point: {status} {text}")
        check(set_cookie.startswith(HARDENED + "=v2.local."), f"renewal Set-Cookie: {set_cookie!r}")
        second = self.only_cookie(ctx, "127.0.0.1", HARDENED)["value"]
        check(second != first, "the jar still holds the first cookie after renewal")
        # The session continues on the renewed cookie (a later expiry), on
        # every node...
        status, text, _ = self.get(page, self.origin("127.0.0.1", 2) + "/me")
        check(status == 200, f"/me on node-3 with the renewed cookie: {status}")
        check(json.loads(text)["expires_at"] > login["expires_at"], f"expiry not extended: {text}")
        # ... well past the first cookie's idle lifetime, renewed each time ...
        step = RENEW_AFTER + 5 * 60
        renewals = 1
        while self.clock_offset - start + step < ABSOLUTE:
            self.advance(step)
            elapsed = self.clock_offset - start
            status, text, set_cookie = self.get(page, self.origin("127.0.0.1", renewals % 3) + "/me")
            check(status == 200, f"/me {elapsed}s into the session: {status} {text}")
            # The previous cookie expires at min(then + IDLE, ABSOLUTE); once
            # that is the absolute end, there is nothing left to extend.
            extendable = elapsed - step + IDLE < ABSOLUTE
            renewed = set_cookie.startswith(HARDENED + "=v2.local.")
            check(renewed == extendable, f"{elapsed}s in: renewed {renewed}, expected {extendable}")
            renewals += renewed
        check(renewals >= (ABSOLUTE - IDLE) // step, f"only {renewals} renewals")
        # ... until the absolute lifetime: then it ends, though the browser
        # (whose clock was not moved) still holds the cookie.
        self.advance(step)
        check(self.clock_offset - start > ABSOLUTE, "not past the absolute lifetime")
        for node in range(3):
            status, _, set_cookie = self.get(page, self.origin("127.0.0.1", node) + "/me")
            check(status == 401, f"/me past the absolute lifetime on node-{node + 1}: {status}")
            check(set_cookie == "", f"a cookie set past the absolute lifetime: {set_cookie!r}")
        check(len(self.jar(ctx, "127.0.0.1", HARDENED)) == 1, "the browser dropped the cookie itself")
        ctx.close()

    def case_logout(self):
        ctx, page = self.context()
        origin = self.origin("127.0.0.1")
        self.login(page, origin)
        self.only_cookie(ctx, "127.0.0.1", HARDENED)
        status, text = self.post(page, origin, "/logout")
        check(status == 200, f"logout: {status} {text}")
        check(self.jar(ctx, "127.0.0.1", HARDENED) == [], "cookie still in the jar after logout")
        for node in range(3):
            status, _, _ = self.get(page, self.origin("127.0.0.1", node) + "/me")
            check(status == 401, f"/me after logout on node-{node + 1}: {status}")
        ctx.close()

    def case_logout_everywhere_refuses_another_context(self):
        a, page_a = self.context()
        b, page_b = self.context()
        self.login(page_a, self.origin("127.0.0.1"), "bob")
        self.login(page_b, self.origin("127.0.0.1", 1), "bob")
        for node in range(3):  # every node caches bob
            status, _, _ = self.get(page_b, self.origin("127.0.0.1", node) + "/me")
            check(status == 200, f"second context /me on node-{node + 1}: {status}")
        status, text = self.post(page_a, self.origin("127.0.0.1"), "/logout-everywhere")
        check(status == 200, f"logout-everywhere: {status} {text}")
        check(self.jar(a, "127.0.0.1", HARDENED) == [], "cookie kept after logout-everywhere")
        # The node that did it refuses at once; after one cache TTL all do.
        status, _, _ = self.get(page_b, self.origin("127.0.0.1") + "/me")
        check(status == 401, f"second context on node-1 right after: {status}")
        self.advance(CACHE_TTL + 1)
        for node in range(3):
            status, _, _ = self.get(page_b, self.origin("127.0.0.1", node) + "/me")
            check(status == 401, f"second context on node-{node + 1} after one cache TTL: {status}")
        check(len(self.jar(b, "127.0.0.1", HARDENED)) == 1, "second context lost its cookie")
        # A new login is a new session, accepted everywhere.
        self.login(page_b, self.origin("127.0.0.1"), "bob")
        status, _, _ = self.get(page_b, self.origin("127.0.0.1", 2) + "/me")
        check(status == 200, f"/me after logging in again: {status}")
        a.close()
        b.close()

    def form_post(self, page, form_origin, target):
        """Open a page on `form_origin` that submits a form POST to `target`;
        gives (status, whether the request carried the session cookie)."""
        url = f"{form_origin}/form?target={urllib.parse.quote(target, safe='')}"
        with page.expect_response(lambda r: r.url == target) as info:
            page.goto(url)
        resp = info.value
        cookie = resp.request.all_headers().get("cookie", "")
        return resp.status, HARDENED + "=" in cookie

    def case_samesite_cross_site_form_post(self):
        ctx, page = self.context()
        self.login(page, self.origin("127.0.0.1"))
        target = self.origin("127.0.0.1") + "/logout-everywhere"
        # localhost is another site than 127.0.0.1 (ports do not count).
        status, sent = self.form_post(page, f"http://localhost:{self.other_port}", target)
        check(not sent, "the browser sent the Lax cookie on a cross-site POST")
        check(status == 401, f"cross-site POST /logout-everywhere answered {status}")
        status, _, _ = self.get(page, self.origin("127.0.0.1", 1) + "/me")
        check(status == 200, f"user logged out by a cross-site form: /me {status}")
        check(len(self.jar(ctx, "127.0.0.1", HARDENED)) == 1, "cookie gone after the cross-site POST")
        ctx.close()

    def case_samesite_same_site_form_post_control(self):
        # Control: the same form from 127.0.0.1 on another port (same site)
        # does carry the cookie and does log out everywhere.
        ctx, page = self.context()
        self.advance(2)  # a new second after the previous logout-everywhere
        self.login(page, self.origin("127.0.0.1"), "bob")
        target = self.origin("127.0.0.1") + "/logout-everywhere"
        status, sent = self.form_post(page, f"http://127.0.0.1:{self.other_port}", target)
        check(sent, "no cookie on a same-site form POST")
        check(status == 200, f"same-site POST /logout-everywhere answered {status}")
        self.advance(2)
        ctx.close()

    def case_tampered_cookie(self):
        ctx, page = self.context()
        self.login(page, self.origin("127.0.0.1"))
        good = self.only_cookie(ctx, "127.0.0.1", HARDENED)
        value = good["value"]
        i = len("v2.local.") + 20
        tampered = value[:i] + ("B" if value[i] != "B" else "C") + value[i + 1 :]
        ctx.clear_cookies()
        # Through the browser's own cookie API (CDP Network.setCookie; a
        # `url` and no `domain` makes it host-only, as __Host- requires).
        cdp = ctx.new_cdp_session(page)
        stored = cdp.send(
            "Network.setCookie",
            {
                "name": HARDENED,
                "value": tampered,
                "url": self.origin("127.0.0.1") + "/",
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Lax",
            },
        )
        check(stored.get("success") is True, f"Network.setCookie: {stored}")
        check(self.only_cookie(ctx, "127.0.0.1", HARDENED)["value"] == tampered, "tampered cookie not stored")
        for node in range(3):
            status, _, set_cookie = self.get(page, self.origin("127.0.0.1", node) + "/me")
            check(status == 401, f"tampered cookie on node-{node + 1}: {status}")
            check(set_cookie == "", f"tampered cookie answered with Set-Cookie {set_cookie!r}")
        # The nodes keep serving: another browser logs in and is served.
        other, page2 = self.context()
        self.login(page2, self.origin("127.0.0.1", 2))
        for node in range(3):
            status, _, _ = self.get(page2, self.origin("127.0.0.1", node) + "/me")
            check(status == 200, f"after the tampered cookie, node-{node + 1}: {status}")
        check(self.demo.proc.poll() is None, "the demo exited")
        other.close()
        ctx.close()

    def case_dev_cookie_on_a_non_loopback_name(self):
        ctx, page = self.context()
        origin = self.origin("app.test", demo=self.dev)
        self.login(page, origin)
        c = self.only_cookie(ctx, "app.test", DEV)
        check(c["secure"] is False, f"dev cookie Secure: {c}")
        check(c["httpOnly"] is True and c["sameSite"] == "Lax" and c["path"] == "/", f"dev cookie: {c}")
        status, text, _ = self.get(page, origin + "/me")
        check(status == 200, f"/me on app.test with the dev cookie: {status} {text}")
        err = self.dev.stderr()
        check("DEMO_COOKIE=dev" in err and "development" in err, f"no development warning: {err}")
        ctx.close()

    def case_default_cookie_dropped_on_a_non_loopback_name(self):
        # Documented behaviour (docs/browsers.md): over plain HTTP on a host
        # that is not loopback the browser drops the Secure __Host- cookie
        # without a word; the adapter logs a warning instead.
        ctx, page = self.context()
        origin = self.origin("app.test")
        with page.expect_response(lambda r: r.url == origin + "/login") as info:
            self.login(page, origin)
        set_cookie = info.value.all_headers().get("set-cookie", "")
        check(set_cookie.startswith(HARDENED + "=v2.local."), f"login sent no cookie: {set_cookie!r}")
        check(self.jar(ctx, "app.test", HARDENED) == [], "Chromium stored a Secure cookie over plain HTTP")
        status, _, _ = self.get(page, origin + "/me")
        check(status == 401, f"/me on app.test: {status}")
        err = self.demo.stderr()
        check(
            "WARN sealed_session_axum" in err and f'host="app.test:{self.demo.ports[0]}"' in err,
            f"no plain-HTTP warning from the adapter: {err}",
        )
        ctx.close()


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/debug/sealed-session-demo"
    if not os.access(binary, os.X_OK):
        sys.exit(f"error: no demo binary at {binary} (cargo build -p sealed-session-demo)")
    tmp = tempfile.mkdtemp(prefix="browser-suite-")
    demo = Demo(binary, tmp, "demo", 3, {"DEMO_TEST_CLOCK": "1"})
    dev = Demo(binary, tmp, "dev", 1, {"DEMO_COOKIE": "dev"})
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OtherSite)
    other_port = other.server_address[1]
    threading.Thread(target=other.serve_forever, daemon=True).start()
    cases = [name for name in dir(Suite) if name.startswith("case_")]
    # Order matters only for readability; each case uses its own contexts.
    cases.sort(key=lambda n: list(Suite.__dict__).index(n))
    passed, failed = 0, []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=120000)
            print(f"Chromium {browser.version}; demo nodes on ports {demo.ports}, dev cookie on {dev.ports}")
            suite = Suite(browser, demo, dev, other_port)
            for name in cases:
                t = time.time()
                try:
                    getattr(suite, name)()
                    passed += 1
                    print(f"ok   {name[5:]} ({time.time() - t:.1f}s)")
                except Exception as e:  # report every case, then fail
                    failed.append(name)
                    print(f"FAIL {name[5:]}: {e}")
                    traceback.print_exc()
            browser.close()
    finally:
        other.shutdown()
        demo.stop()
        dev.stop()
    if failed:
        print(f"--- demo stderr ---\n{demo.stderr()}\n--- dev demo stderr ---\n{dev.stderr()}")
    print(f"{passed} of {len(cases)} browser cases passed")
    expected = 10
    if failed or passed != expected:
        sys.exit(f"browser suite failed: {failed or f'{passed} cases ran, expected {expected}'}")


if __name__ == "__main__":
    main()
