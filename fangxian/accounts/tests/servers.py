"""Real servers for the single sign-on tests: OpenLDAP's slapd and a small CAS server.

slapd (Debian package `slapd`, installed by scripts/ensure-test-system.sh) runs from a
temporary folder on a free port of 127.0.0.1 with an in-file database and a few people.
The CAS server is an independent implementation of the CAS 2.0/3.0 protocol (login form,
service tickets, /serviceValidate and /p3/serviceValidate) in a thread, enough for the
platform to redirect to it and validate the tickets it issues.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

SLAPD = "/usr/sbin/slapd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
BASE_DN = "dc=hexi,dc=edu,dc=cn"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "ldap-admin-secret"  # noqa: S105  (a throwaway test server)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ssha(password: str) -> str:
    salt = os.urandom(8)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()  # noqa: S324  (LDAP's own scheme)


class LdapServer:
    """slapd with people under ou=people: uid, cn, employeeNumber, userPassword."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, people: list[dict]) -> LdapServer:
        if not Path(SLAPD).exists():
            raise RuntimeError(f"{SLAPD} is missing; scripts/ensure-test-system.sh installs it (apt-get install slapd)")
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "slapd.conf"
        conf.write_text(
            "\n".join(
                [
                    f"include {SCHEMA}/core.schema",
                    f"include {SCHEMA}/cosine.schema",
                    f"include {SCHEMA}/inetorgperson.schema",
                    f"include {SCHEMA}/nis.schema",
                    f"modulepath {MODULES}",
                    "moduleload back_mdb",
                    f"pidfile {self.folder}/slapd.pid",
                    "database mdb",
                    "maxsize 10485760",
                    f"suffix {BASE_DN}",
                    f"rootdn {ADMIN_DN}",
                    f"rootpw {ADMIN_PASSWORD}",
                    f"directory {data}",
                    "access to attrs=userPassword by anonymous auth by self write by * none",
                    "access to * by * read",
                    "",
                ]
            )
        )
        ldif = [
            f"dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: hexi\no: Hexi\n",
            f"dn: ou=people,{BASE_DN}\nobjectClass: organizationalUnit\nou: people\n",
        ]
        for person in people:
            lines = [
                f"dn: uid={person['uid']},ou=people,{BASE_DN}",
                "objectClass: inetOrgPerson",
                f"uid: {person['uid']}",
                f"cn: {person.get('cn', person['uid'])}",
                f"sn: {person.get('cn', person['uid'])}",
                f"userPassword: {ssha(person['password'])}",
            ]
            if person.get("employeeNumber"):
                lines.append(f"employeeNumber: {person['employeeNumber']}")
            ldif.append("\n".join(lines) + "\n")
        (self.folder / "people.ldif").write_text("\n".join(ldif), encoding="utf-8")
        subprocess.run(["/usr/sbin/slapadd", "-f", str(conf), "-l", str(self.folder / "people.ldif")], check=True, capture_output=True)  # noqa: S603
        self.process = subprocess.Popen(  # noqa: S603
            [SLAPD, "-f", str(conf), "-h", f"{self.uri}/", "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd stopped: {self.process.stderr.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.05)
        raise RuntimeError("slapd did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class CasServer:
    """A CAS 2.0/3.0 server: /login shows a form, checks the password and redirects to the
    service with a one-time ticket; /serviceValidate and /p3/serviceValidate answer XML."""

    def __init__(self, users: dict[str, dict]):
        # {cas user: {"password": …, "attributes": {…}}}
        self.users = users
        self.tickets: dict[str, tuple[str, str]] = {}
        self.validations: list[str] = []
        self.validated: list[tuple[str, str, str]] = []  # (ticket, user, service) of each sign-in
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cas"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> CasServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def issue(self, user: str, service: str) -> str:
        ticket = "ST-" + secrets.token_urlsafe(16)
        self.tickets[ticket] = (user, service)
        return ticket

    def logout_requests(self, user: str) -> list[tuple[str, str]]:
        """Single sign-out (CAS protocol, back channel): for each service the user signed in
        to, the URL and the SAML LogoutRequest the server POSTs there as `logoutRequest`."""
        requests = []
        for ticket, who, service in self.validated:
            if who != user:
                continue
            body = (
                '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
                f'ID="LR-{secrets.token_hex(8)}" Version="2.0" IssueInstant="{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}">'
                f"<saml:NameID>{escape(user)}</saml:NameID><samlp:SessionIndex>{escape(ticket)}</samlp:SessionIndex>"
                "</samlp:LogoutRequest>"
            )
            requests.append((service, body))
        return requests

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: str, content_type="text/html; charset=utf-8", headers=None):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/cas/login":
                    service = escape(query.get("service", ""), {'"': "&quot;"})
                    self._send(
                        200,
                        "<!doctype html><html><head><title>CAS</title></head><body><h1>统一身份认证</h1>"
                        f'<form method="post" action="/cas/login"><input type="hidden" name="service" value="{service}">'
                        '<input name="username" id="cas-username"><input name="password" id="cas-password" type="password">'
                        '<button id="cas-submit">登录</button></form></body></html>',
                    )
                elif parts.path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
                    server.validations.append(parts.path)
                    found = server.tickets.pop(query.get("ticket", ""), None)
                    if found is None or found[1] != query.get("service"):
                        body = (
                            '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                            '<cas:authenticationFailure code="INVALID_TICKET">Ticket not recognized</cas:authenticationFailure>'
                            "</cas:serviceResponse>"
                        )
                    else:
                        user = found[0]
                        server.validated.append((query["ticket"], user, found[1]))
                        attributes = ""
                        if parts.path.startswith("/cas/p3/"):
                            # A list is a multi-valued attribute: the element repeats.
                            attributes = "".join(
                                f"<cas:{escape(k)}>{escape(str(v))}</cas:{escape(k)}>"
                                for k, values in server.users[user].get("attributes", {}).items()
                                for v in (values if isinstance(values, list) else [values])
                            )
                            attributes = f"<cas:attributes>{attributes}</cas:attributes>"
                        body = (
                            '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
                            f"<cas:user>{escape(user)}</cas:user>{attributes}</cas:authenticationSuccess></cas:serviceResponse>"
                        )
                    self._send(200, body, "application/xml; charset=utf-8")
                else:
                    self._send(404, "not found")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                user = server.users.get(form.get("username", ""))
                if user is None or user["password"] != form.get("password"):
                    self._send(401, "<p>用户名或密码错误</p>")
                    return
                service = form.get("service", "")
                ticket = server.issue(form["username"], service)
                separator = "&" if "?" in service else "?"
                self._send(302, "", headers={"Location": f"{service}{separator}{urlencode({'ticket': ticket})}"})

        return Handler
