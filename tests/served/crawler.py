"""A crawler for the served app: signs in, follows every link and GET form it finds, submits
the POST forms it finds once per endpoint, follows the jobs they start, and records every
answer with its time.

It knows no page by name: pages are found from the home page (and the kiosk) by their links
and forms, so a page someone adds is crawled as soon as something links to it. URLs are
grouped by the app's own URL map (endpoint, non-numeric path values, query keys, export
format) so a list of a thousand companies costs a few requests, not a thousand.
"""

from __future__ import annotations

import http.client
import io
import json
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, RequestRedirect

#: Distinct URLs visited per group (endpoint, non-numeric path values, query keys, format).
PER_GROUP = 2
#: A page is slow when it takes longer than this twice in a row (the machine is shared).
SLOW_SECONDS = 2.0
#: How long a job may run before the crawl calls it stuck.
JOB_TIMEOUT_S = 180.0


@dataclass
class Answer:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    @property
    def is_html(self) -> bool:
        return self.type == "text/html"

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One signed-in person: a cookie jar over plain HTTP/1.1, redirects followed by hand so
    each answer is timed on its own."""

    def __init__(self, base: str, language: str = "en") -> None:
        self.base = base.rstrip("/")
        parsed = urllib.parse.urlsplit(self.base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.language = language
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> Answer:
        path = self.path(url)
        sent = {
            "Accept-Language": "zh-CN,zh;q=0.9" if self.language.startswith("zh") else "en",
            "Host": f"{self.host}:{self.port}",
            "Referer": self.base + "/",
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        found = {k.lower(): v for k, v in response.headers.items()}
        return Answer(method, path, response.status, found, data, seconds)

    def path(self, url: str) -> str:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(self.base + "/", url))
        return urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def get(self, url: str) -> Answer:
        return self.request("GET", url)

    def follow(self, answer: Answer, limit: int = 5) -> list[Answer]:
        """The chain of answers from ``answer`` through its redirects (GETs)."""
        chain = [answer]
        while chain[-1].status in (301, 302, 303, 307, 308) and len(chain) <= limit:
            chain.append(self.get(urllib.parse.urljoin(chain[-1].url, chain[-1].location)))
        return chain

    def submit(self, form: Form, values: list[tuple[str, Any]]) -> Answer:
        if form.method == "get":
            query = urllib.parse.urlencode([(k, v) for k, v in values if isinstance(v, str)])
            base = form.action.split("?", 1)[0]
            return self.get(f"{base}?{query}" if query else base)
        if any(not isinstance(v, str) for _k, v in values) or form.enctype.startswith("multi"):
            body, kind = multipart(values)
        else:
            body = urllib.parse.urlencode(values).encode()
            kind = "application/x-www-form-urlencoded"
        return self.request("POST", form.action, body=body, headers={"Content-Type": kind})

    def sign_in(self, email: str, password: str) -> Answer:
        """Sign in through the login form, as a person would."""
        page = self.get("/login")
        forms = parse(page.text, page.url).forms
        login = next(f for f in forms if f.method == "post" and f.field("password"))
        values = [(n, v) for n, v in login.defaults() if n not in ("email", "password")]
        values += [("email", email), ("password", password)]
        answer = self.submit(login, values)
        assert answer.status == 302, f"signing in as {email} answered {answer.status}"
        return answer


def multipart(values: list[tuple[str, Any]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in values:
        out.write(f"--{boundary}\r\n".encode())
        if isinstance(value, Upload):
            out.write(
                f'Content-Disposition: form-data; name="{name}"; filename="{value.name}"\r\n'
                f"Content-Type: {value.type}\r\n\r\n".encode()
            )
            out.write(value.data)
        else:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(str(value).encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


@dataclass
class Upload:
    name: str
    type: str
    data: bytes


# -- reading pages -------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  #: input type, "select", "textarea" or "button"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    accept: str = ""
    multiple: bool = False


@dataclass
class Form:
    page: str
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def defaults(self) -> list[tuple[str, str]]:
        """What a browser sends when the form is submitted untouched (first submit button)."""
        values: list[tuple[str, str]] = []
        pressed = False
        for f in self.fields:
            if f.kind in ("submit", "button", "image"):
                if not pressed and f.name:
                    values.append((f.name, f.value))
                pressed = True
            elif f.kind in ("checkbox", "radio"):
                if f.checked:
                    values.append((f.name, f.value or "on"))
            elif f.kind == "select":
                if f.options:
                    values.append((f.name, f.value if f.checked else f.options[0]))
            elif f.kind not in ("file", "reset"):
                values.append((f.name, f.value))
        return values


@dataclass
class Page:
    url: str
    links: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  #: visible text nodes
    #: (element path, text) of each visible text node: "body main table tbody tr td.num"
    placed: list[tuple[str, str]] = field(default_factory=list)


class _PageParser(HTMLParser):
    SILENT = frozenset({"script", "style", "template", "noscript", "title"})
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
    )  # fmt: skip

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(url)
        self.form: Form | None = None
        self.select: Field | None = None
        self.option: tuple[str | None, bool] | None = None
        self.option_text = ""
        self.textarea: Field | None = None
        self.silent = 0
        self.open: list[str] = []  #: open elements as "tag.class.class"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag not in self.VOID:
            self.open.append(".".join([tag, *a.get("class", "").split()]))
        if tag in self.SILENT:
            self.silent += 1
        if tag in ("a", "area") and a.get("href"):
            self.page.links.append(a["href"])
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            action = urllib.parse.urljoin(self.page.url, a.get("action") or self.page.url)
            self.form = Form(self.page.url, action, method, a.get("enctype", "").lower())
            self.page.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            self.form.fields.append(
                Field(
                    a["name"],
                    kind,
                    a.get("value", "on" if kind in ("checkbox", "radio") else ""),
                    "checked" in a,
                    accept=a.get("accept", ""),
                    multiple="multiple" in a,
                )
            )
        elif tag == "button":
            kind = (a.get("type") or "submit").lower()
            if kind == "submit":
                self.form.fields.append(Field(a.get("name", ""), "submit", a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self.select = Field(a["name"], "select", multiple="multiple" in a)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = (a.get("value"), "selected" in a)
            self.option_text = ""
        elif tag == "textarea" and a.get("name"):
            self.textarea = Field(a["name"], "textarea")
            self.form.fields.append(self.textarea)

    def handle_endtag(self, tag: str) -> None:
        names = [entry.split(".", 1)[0] for entry in self.open]
        if tag in names:  # close it and whatever was left open inside it
            del self.open[len(names) - 1 - names[::-1].index(tag) :]
        if tag in self.SILENT and self.silent:
            self.silent -= 1
        if tag == "form":
            self.form = None
        elif tag == "select":
            self._end_option()
            self.select = None
        elif tag == "option":
            self._end_option()
        elif tag == "textarea":
            self.textarea = None

    def _end_option(self) -> None:
        if self.option is None or self.select is None:
            return
        value, selected = self.option
        value = self.option_text.strip() if value is None else value
        self.select.options.append(value)
        if selected and not self.select.checked:
            self.select.value, self.select.checked = value, True
        self.option = None

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option_text += data
        if self.textarea is not None:
            self.textarea.value += data
        if not self.silent and data.strip():
            self.page.text.append(data.strip())
            self.page.placed.append((" ".join(self.open), data.strip()))


def parse(html: str, url: str) -> Page:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.page


# -- the crawl -----------------------------------------------------------------------------


@dataclass
class Visit:
    role: str
    method: str
    url: str
    endpoint: str
    status: int
    seconds: float
    type: str
    via: str  #: the page that linked to it


@dataclass
class JobRun:
    role: str
    form: str  #: the page whose form started it
    url: str
    status: str
    message: str
    download: int | None  #: HTTP status of the result's download (None: no download)
    seconds: float


@dataclass
class Report:
    visits: list[Visit] = field(default_factory=list)
    jobs: list[JobRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def server_errors(self) -> list[Visit]:
        return [v for v in self.visits if v.status >= 500]

    def endpoints(self) -> set[str]:
        return {v.endpoint for v in self.visits}


#: A check of an HTML page: returns what is wrong with it (empty if nothing).
PageCheck = Callable[[str, Page], list[str]]
#: Gives a file for a file input: (form, field) -> Upload, or None to leave it empty.
FileSource = Callable[[Form, Field, "Crawler"], Upload | None]


class Crawler:
    """Crawl the app as one role; ``routes`` is the app's URL map (to group URLs)."""

    def __init__(
        self,
        browser: Browser,
        routes: Map,
        role: str,
        *,
        report: Report,
        sign_in: Callable[[], Any] | None = None,
        checks: Iterable[PageCheck] = (),
        files: FileSource | None = None,
        skip: Callable[[str], bool] = lambda endpoint: False,
        max_requests: int = 4000,
    ) -> None:
        self.browser = browser
        self.adapter = routes.bind("localhost")
        self.role = role
        self.report = report
        self.sign_in = sign_in
        self.checks = list(checks)
        self.files = files
        self.skip = skip
        self.max_requests = max_requests
        self.seen: set[str] = set()
        self.groups: dict[tuple, int] = {}
        self.post_forms: dict[str, Form] = {}
        self.pages: dict[str, Page] = {}  #: HTML pages read, by URL
        self.requests = 0

    # -- URLs and groups

    def endpoint(self, url: str, method: str = "GET") -> tuple[str, dict[str, Any]]:
        parts = urllib.parse.urlsplit(url)
        try:
            endpoint, args = self.adapter.match(parts.path, method=method)
        except RequestRedirect as redirect:
            return self.endpoint(redirect.new_url, method)
        except HTTPException:
            return "?", {}
        return str(endpoint), args

    def group(self, url: str) -> tuple:
        endpoint, args = self.endpoint(url)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
        words = tuple(sorted((k, str(v)) for k, v in args.items() if not str(v).isdigit()))
        return (endpoint, words, tuple(sorted(query)), tuple(query.get("format", [])))

    def wanted(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(self.browser.base + "/", url))
        if (
            parts.scheme not in ("http", "https")
            or parts.netloc != urllib.parse.urlsplit(self.browser.base).netloc
        ):
            return False
        path = self.browser.path(url)
        endpoint, _args = self.endpoint(path)
        if path in self.seen or endpoint == "static" or endpoint.endswith(".static"):
            return False
        if self.skip(endpoint):
            return False
        key = self.group(path)
        return self.groups.get(key, 0) < PER_GROUP

    def take(self, url: str) -> None:
        path = self.browser.path(url)
        self.seen.add(path)
        key = self.group(path)
        self.groups[key] = self.groups.get(key, 0) + 1

    # -- requests

    def fetch(self, method: str, url: str, via: str, send: Callable[[], Answer]) -> Answer:
        self.requests += 1
        answer = send()
        if answer.seconds > SLOW_SECONDS and method == "GET" and answer.status < 500:
            again = send()  # slow once may be the machine; slow twice is the page
            self.requests += 1
            if again.seconds < answer.seconds:
                answer = again
        endpoint, _args = self.endpoint(answer.url, method)
        self.report.visits.append(
            Visit(
                self.role,
                method,
                answer.url,
                endpoint,
                answer.status,
                answer.seconds,
                answer.type,
                via,
            )  # fmt: skip
        )
        if answer.status >= 500:
            self.report.problems.append(
                f"{self.role}: {method} {answer.url} answered {answer.status} (linked from {via})"
            )
        elif answer.seconds > SLOW_SECONDS:
            self.report.problems.append(
                f"{self.role}: {method} {answer.url} took {answer.seconds:.2f} s (twice)"
            )
        return answer

    def signed_out(self, answer: Answer) -> bool:
        return answer.status in (301, 302, 303) and "/login" in answer.location

    def read(self, answer: Answer, via: str) -> Page | None:
        if not answer.is_html or answer.status != 200:
            return None
        page = parse(answer.text, answer.url)
        self.pages[answer.url] = page
        for check in self.checks:
            for problem in check(answer.url, page):
                self.report.problems.append(f"{self.role}: {answer.url}: {problem}")
        return page

    # -- the crawl

    def crawl(self, start: Iterable[str]) -> None:
        """Visit every page reachable by GET from ``start``, then submit every POST form."""
        queue: deque[tuple[str, str]] = deque((url, "(start)") for url in start)
        self._walk(queue)
        for action, form in list(self.post_forms.items()):
            if self.requests >= self.max_requests:
                self.report.problems.append(f"{self.role}: request budget spent")
                break
            self._post(form, action, queue)
            self._walk(queue)

    def _walk(self, queue: deque[tuple[str, str]]) -> None:
        while queue and self.requests < self.max_requests:
            url, via = queue.popleft()
            if not self.wanted(url):
                continue
            self.take(url)
            path = self.browser.path(url)
            answer = self.fetch("GET", path, via, lambda p=path: self.browser.get(p))
            if self.signed_out(answer) and self.sign_in is not None and via != "(start)":
                self.sign_in()
                answer = self.fetch("GET", path, via, lambda p=path: self.browser.get(p))
            if answer.status in (301, 302, 303, 307, 308):
                queue.appendleft((urllib.parse.urljoin(path, answer.location), path))
                continue
            page = self.read(answer, via)
            if page is None:
                continue
            for link in page.links:
                queue.append((urllib.parse.urljoin(path, link), path))
            for form in page.forms:
                if form.method == "get":
                    values = self.values(form)
                    base = form.action.split("?", 1)[0]
                    query = urllib.parse.urlencode(
                        [(k, v) for k, v in values if isinstance(v, str)]
                    )
                    queue.append((f"{base}?{query}" if query else base, path))
                else:
                    endpoint, _args = self.endpoint(self.browser.path(form.action), "POST")
                    self.post_forms.setdefault(endpoint, form)

    def values(self, form: Form) -> list[tuple[str, Any]]:
        values: list[tuple[str, Any]] = list(form.defaults())
        for f in form.fields:
            if f.kind == "file" and self.files is not None:
                upload = self.files(form, f, self)
                if upload is not None:
                    values.append((f.name, upload))
        return values

    def _post(self, form: Form, endpoint: str, queue: deque[tuple[str, str]]) -> None:
        if self.skip(endpoint):
            return
        values = self.values(form)
        answer = self.fetch(
            "POST",
            self.browser.path(form.action),
            form.page,
            lambda: self.browser.submit(form, values),
        )
        if self.signed_out(answer) and self.sign_in is not None:
            self.sign_in()
            return
        if answer.status not in (301, 302, 303):
            return
        target = urllib.parse.urljoin(answer.url, answer.location)
        target_endpoint, args = self.endpoint(self.browser.path(target))
        if target_endpoint == "jobs.show":
            self.follow_job(target, form.page)
        queue.appendleft((target, form.page))

    def follow_job(self, url: str, started_from: str) -> None:
        """Poll a job's status until it finishes, then download its result."""
        path = self.browser.path(url)
        self.read(
            self.fetch("GET", path, started_from, lambda: self.browser.get(path)), started_from
        )
        status_url = path.rstrip("/") + "/status"
        started = time.monotonic()
        state: dict[str, Any] = {}
        while time.monotonic() - started < JOB_TIMEOUT_S:
            answer = self.fetch("GET", status_url, path, lambda: self.browser.request(
                "GET", status_url, headers={"Accept": "application/json"}))  # fmt: skip
            if answer.status != 200:
                state = {"status": f"HTTP {answer.status}", "message": answer.text[:200]}
                break
            state = json.loads(answer.body)
            if state.get("finished"):
                break
            time.sleep(0.5)
        download = None
        if state.get("download"):
            link = path.rstrip("/") + "/download"
            got = self.fetch("GET", link, path, lambda: self.browser.get(link))
            download = got.status if got.body else 0
        run = JobRun(self.role, started_from, path, str(state.get("status", "stuck")),
                     str(state.get("message") or state.get("error") or ""), download,
                     time.monotonic() - started)  # fmt: skip
        self.report.jobs.append(run)
