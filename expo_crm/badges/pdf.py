"""Badge PDFs with WeasyPrint: one layout per category, A6 or 4×3 in, QR code as inline SVG.

Everything printed on a badge is data: the HTML is rendered by Jinja with autoescaping, and
WeasyPrint runs with :class:`AssetsOnlyFetcher`, which fetches ``data:`` URIs and files
under the app's own ``static/`` folder and refuses everything else (``file:///etc/passwd``,
``http://…``). Bulk jobs render many badges per document, in chunks, on a pool of
processes, then join the chunks with pypdf.
"""

from __future__ import annotations

import base64
import io
import logging
import mimetypes
import multiprocessing
import os
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from expo_crm import PACKAGE_DIR
from expo_crm.badges import qr

log = logging.getLogger(__name__)
# WeasyPrint logs every layout step, and fontTools every subset, at INFO: at hundreds of
# badges a second that logging alone costs more than the rendering.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

STATIC_DIR = (PACKAGE_DIR / "static").resolve()
#: Badges rendered per WeasyPrint document in bulk jobs.
CHUNK_SIZE = 40

#: Default look per category: (band colour, text colour on the band).
DEFAULT_COLORS = {
    "trade": ("#1f5fa8", "#ffffff"),
    "public": ("#2e7d32", "#ffffff"),
    "exhibitor_staff": ("#e65100", "#ffffff"),
    "press": ("#6a1b9a", "#ffffff"),
    "vip": ("#c9a227", "#1a1a1a"),
}


@dataclass(frozen=True)
class BadgeFace:
    """What one badge shows: plain data, picklable for the worker processes."""

    code: str
    name: str
    company: str
    country: str
    category: str  #: VisitorCategory value
    category_label: str
    show_name: str
    size: str  #: BadgeSize value
    band_color: str
    text_color: str


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetsOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Fetch ``data:`` URIs and the app's static files; refuse every other URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(STATIC_DIR) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            self.refused.append(url)
            log.warning("Badge rendering refused to fetch %s", url)
            raise ValueError(f"Badges may not fetch {url}")

    return AssetsOnlyFetcher


_FETCHER_CLASS: type | None = None
_FONT_CONFIG: Any = None
_TEMPLATE: Any = None
_STYLESHEET: Any = None


def assets_only_fetcher() -> Any:
    """Return a new restricted URL fetcher (its ``refused`` list records what it refused)."""
    global _FETCHER_CLASS
    if _FETCHER_CLASS is None:
        _FETCHER_CLASS = _fetcher_class()
    return _FETCHER_CLASS()


def _font_config() -> Any:
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _stylesheet() -> Any:
    """The badge styles, parsed once per process (a good share of a single badge's time)."""
    global _STYLESHEET
    if _STYLESHEET is None:
        from weasyprint import CSS

        from expo_crm import resource_dir

        _STYLESHEET = CSS(
            filename=str(resource_dir("templates") / "badges" / "_print.css"),
            font_config=_font_config(),
            url_fetcher=assets_only_fetcher(),
        )
    return _STYLESHEET


def _template() -> Any:
    """The badge document template, in a Jinja environment of its own (autoescape on)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        from expo_crm import resource_dir

        env = Environment(
            loader=FileSystemLoader(str(resource_dir("templates") / "badges")),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["fit"] = fit_font_size
        env.filters["qr_data_uri"] = qr_data_uri
        _TEMPLATE = env.get_template("_print.html")
    return _TEMPLATE


def text_width_em(text: str) -> float:
    """Estimate a text's width in em: CJK and other wide characters count 1, Latin about 0.56."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.0
        elif char.isupper():
            width += 0.68
        elif char == " ":
            width += 0.3
        else:
            width += 0.55
    return width


def fit_font_size(text: str, box_mm: float, largest: float, smallest: float, lines: int = 2) -> str:
    """Return a CSS font size (in pt) at which ``text`` fits ``lines`` lines of ``box_mm``.

    The largest size that fits is chosen, never below ``smallest``; below that the text
    wraps (the template allows breaking anywhere), so nothing is cut off.
    """
    width_em = max(text_width_em(text), 0.1)
    box_pt = box_mm / 25.4 * 72
    # Words do not split evenly over lines: ask for 15 % slack per extra line.
    capacity = box_pt * (1 + (lines - 1) * 0.85)
    size = min(largest, capacity / width_em)
    return f"{max(size, smallest):.1f}pt"


def qr_data_uri(code: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr.qr_png(code)).decode("ascii")


def render_html(faces: Sequence[BadgeFace]) -> str:
    """Return the HTML document of these badges, one page each."""
    return str(_template().render(badges=faces))


#: WeasyPrint's font configuration (Pango/fontconfig underneath) is shared by the process and
#: is not thread-safe: two badges rendered at once in threaded workers crashed the process.
_RENDER_LOCK = threading.Lock()


def html_to_pdf(html: str, fetcher: Any = None) -> bytes:
    """Render badge HTML to PDF with the restricted fetcher and the cached font setup.

    One render at a time per process; bulk printing gets its parallelism from processes.
    """
    from weasyprint import HTML

    with _RENDER_LOCK:
        document = HTML(
            string=html,
            base_url=STATIC_DIR.as_uri() + "/",
            url_fetcher=fetcher or assets_only_fetcher(),
        )
        return bytes(document.write_pdf(stylesheets=[_stylesheet()], font_config=_font_config()))


def render_pdf(faces: Sequence[BadgeFace], fetcher: Any = None) -> bytes:
    """Render badges in one document, in this process."""
    return html_to_pdf(render_html(faces), fetcher)


def _render_chunk(faces: list[dict[str, Any]]) -> tuple[bytes, float]:
    """Render a chunk (in a worker); return the PDF and the CPU seconds it took."""
    import time

    started = time.process_time()
    document = render_pdf([BadgeFace(**face) for face in faces])
    return document, time.process_time() - started


#: CPU seconds the rendering of the last bulk job took, over all processes (benchmarks).
last_bulk_cpu_seconds = 0.0


def merge_pdfs(parts: Iterable[bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_bulk(
    faces: Sequence[BadgeFace],
    *,
    processes: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], Any] | None = None,
) -> bytes:
    """Render many badges as one PDF, in chunks over a pool of processes (one per core).

    ``progress(done, total)`` is called as chunks finish.
    """
    total = len(faces)
    if total == 0:
        raise ValueError("no badges to render")
    processes = processes or min(os.cpu_count() or 1, 4)
    chunks = [
        [asdict(face) for face in faces[i : i + chunk_size]] for i in range(0, total, chunk_size)
    ]
    global last_bulk_cpu_seconds
    parts: list[bytes] = []
    done, cpu = 0, 0.0
    if processes == 1 or len(chunks) == 1:
        for chunk in chunks:
            part, seconds = _render_chunk(chunk)
            parts.append(part)
            cpu += seconds
            done += len(chunk)
            if progress:
                progress(done, total)
    else:
        # Workers fork from a clean server process that has WeasyPrint loaded, never from
        # this one (it may hold threads and database connections).
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", "expo_crm.badges.pdf"])
        with context.Pool(processes) as pool:
            for chunk, (part, seconds) in zip(
                chunks, pool.imap(_render_chunk, chunks), strict=True
            ):
                parts.append(part)
                cpu += seconds
                done += len(chunk)
                if progress:
                    progress(done, total)
    last_bulk_cpu_seconds = cpu
    return parts[0] if len(parts) == 1 else merge_pdfs(parts)
