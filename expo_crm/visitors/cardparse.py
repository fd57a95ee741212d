"""Turn the OCR lines of a business card into contact fields with confidences.

The parser works on lines with boxes and confidences (from Tesseract's `image_to_data`)
but also on plain text, where every line counts as equally large and sure. Fields are
found in an order where each helps the next: emails and websites first (their domain
names the company), then phones, titles (a multilingual keyword list), the person's
name (a name-shaped line beside the title or echoing the email), the company (legal
suffix, domain match, or largest remaining text) and the street address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz

from expo_crm.visitors.names import first_name_score

FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")

# --------------------------------------------------------------------------- vocabulary


def _words(text: str) -> frozenset[str]:
    """Make a vocabulary set from whitespace-separated words."""
    return frozenset(text.split())


#: Words that make a line a job title (lowercase, accents removed for Latin scripts).
TITLE_WORDS = _words(
    """
    founder cofounder co-founder president chairman
    director manager engineer consultant consultor consultora specialist analyst designer
    developer architect representative coordinator supervisor officer partner owner
    executive assistant secretary accountant attorney lawyer advisor adviser head chief
    lead principal associate intern technician agent broker sales
    diretor diretora gerente engenheiro engenheira vendedor vendedora representante
    coordenador coordenadora supervisora analista socio socia proprietario proprietaria
    presidente assistente advogado advogada contador contadora
    corretor corretora arquiteto arquiteta executivo executiva administrador
    administradora comercial escrevente tabeliao tabelia oficial substituto substituta
    preposto preposta auxiliar atendente encarregado encarregada tesoureiro tesoureira
    medico medica dentista professor professora promotor promotora fundador fundadora
    notary clerk registrar notario notaria
    director directora ingeniero ingeniera jefe jefa ventas asesor asesora abogado
    geschaftsfuhrer leiter leiterin vertrieb berater beraterin ingenieur
    directeur directrice responsable ingenieur commercial
    """
)
#: Title acronyms, matched only in capitals ("CEO", not "cio" in a sentence).
TITLE_ACRONYMS = _words("CEO CTO CFO COO CIO CMO CSO VP SVP EVP MD")
TITLE_CJK = (
    "总经理",
    "副总经理",
    "经理",
    "总监",
    "董事长",
    "董事",
    "主任",
    "工程师",
    "总裁",
    "主管",
    "销售",
    "顾问",
    "代表",
    "部长",
    "課長",
    "社長",
    "取締役",
    "係長",
    "マネージャー",
    "エンジニア",
    "営業",
    "代表取締役",
    "専務",
    "常務",
    "部長",
    "室長",
    "所長",
    "会長",
)
#: Legal-form suffixes and company words that mark a line as the organization's name.
COMPANY_SUFFIXES = re.compile(
    r"(?i)(?<![\w])(ltda|ltd|s/a|s\.a|s/c|inc|llc|llp|plc|gmbh|corp|corporation|co\.|"
    r"company|limited|sarl|s\.r\.l|b\.v|pty|eireli|k\.k|group|holding|holdings)\.?(?![\w])"
)
COMPANY_CJK = ("有限公司", "股份有限公司", "株式会社", "(株)", "（株）", "公司", "集团", "有限会社")
#: Street and postcode words that mark an address line.
ADDRESS_WORDS = re.compile(
    r"(?i)(?<![\w])(rua|r\.|av\.?|avenida|alameda|al\.|travessa|tv\.|pra[cç]a|rodovia|rod\.|"
    r"estrada|largo|cep|jd\.|jardim|bairro|andar|sala|conj\.?|"
    r"street|st\.|road|rd\.?|avenue|ave\.?|blvd\.?|boulevard|suite|ste\.|floor|fl\.|drive|"
    r"dr\.|lane|ln\.|way|p\.?o\.? box|zip|calle|avda\.?|carrera|stra(ss|ß)e|str\.|platz|"
    r"rue|chemin|via|viale|piazza)(?![\w])"
)
ADDRESS_CJK = (
    "路",
    "街",
    "号",
    "區",
    "区",
    "市",
    "省",
    "大道",
    "大厦",
    "楼",
    "室",
    "〒",
    "丁目",
    "番地",
    "県",
    "ビル",
    "階",
    "町",
)
POSTCODE = re.compile(
    r"(?i)\b(cep:?\s*\d{5}-?\d{3}|\d{5}-\d{3}\b|\b[A-Z]{2}\s+\d{5}(-\d{4})?\b|"
    r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|〒\s*\d{3}-?\d{4}|\d{4}-\d{3}\b)"
)
CONTACT_LABEL = re.compile(
    r"(?i)(?<![\w])(tel|tels|fone|fones|phone|telefone|cel|celular|mobile|mob|fax|pabx|"
    r"whatsapp|e-?mail|site|web|nextel|id|tel/fax|ramal|ext)\b[.:]?"
)
NAME_PARTICLES = _words(
    "da de do dos das e di del della van von der den la le y bin al du st jr jr. sr"
)
FREE_MAIL = _words(
    """
    gmail hotmail outlook live msn yahoo aol icloud me mac bol terra uol ig r7 globo zipmail
    gmx web mail yandex protonmail qq 163 126 sina sohu foxmail yeah naver
    """
)
TLDS = _words(
    """
    com net org edu gov info biz io co br pt es de fr it uk us ca au cn jp kr in mx ar cl
    nl be ch at se no dk fi pl ru tv me app dev xyz online store shop site tech
    """
)

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class OcrWord:
    """One word as Tesseract read it: text, confidence in [0, 1] and its box in pixels."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class OcrLine:
    """A printed line: its words left to right and the box around them."""

    words: tuple[OcrWord, ...]
    left: int
    top: int
    width: int
    #: Median word height, a stand-in for the font size.
    height: int

    @classmethod
    def from_words(cls, words: Sequence[OcrWord]) -> OcrLine:
        """Build a line from its words, ordered left to right."""
        ordered = tuple(sorted(words, key=lambda w: w.left))
        left = min(w.left for w in ordered)
        top = min(w.top for w in ordered)
        right = max(w.left + w.width for w in ordered)
        heights = sorted(w.height for w in ordered)
        return cls(ordered, left, top, right - left, heights[len(heights) // 2])

    @classmethod
    def from_text(cls, text: str, index: int = 0) -> OcrLine:
        """Build a line from plain text: every word sure, every line the same size."""
        words = [
            OcrWord(part, 1.0, 10 * i, 30 * index, 10, 20) for i, part in enumerate(text.split())
        ]
        return cls.from_words(words)

    @property
    def text(self) -> str:
        """The words joined with single spaces (none between CJK characters)."""
        return join_words(w.text for w in self.words)

    @property
    def center_y(self) -> float:
        """Vertical middle of the line."""
        return self.top + self.height / 2

    @property
    def conf(self) -> float:
        """Mean word confidence, weighted by word length."""
        weight = sum(len(w.text) for w in self.words)
        return sum(w.conf * len(w.text) for w in self.words) / max(weight, 1)


@dataclass
class CardFields:
    """Contact fields read from one card, each with a confidence in [0, 1]."""

    name: str | None = None
    title: str | None = None
    company: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    website: str | None = None
    address: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    #: The country phone numbers were read for: the one given, or the card's own.
    region: str | None = None


@dataclass
class _Line:
    """A cleaned line with what the parser learned about it."""

    text: str
    height: float
    conf: float
    index: int
    used: set[str] = field(default_factory=set)
    #: Read with low confidence: searched for emails, phones and websites only.
    weak: bool = False
    #: Where the line sits on the card, in pixels.
    left: float = 0.0
    right: float = 0.0
    top: float = 0.0

    def continued_by(self, other: _Line) -> bool:
        """Tell whether `other` can be the next printed line of this one's paragraph.

        It must start below this line and overlap it across; lines of another column
        (a logo beside the address) sort between them by height alone but do not.
        """
        if other.top <= self.top:
            return False
        overlap = min(self.right, other.right) - max(self.left, other.left)
        return overlap > 0 or self.right == self.left == other.left


# --------------------------------------------------------------------------- helpers


def fold(text: str) -> str:
    """Lowercase and strip accents, for keyword matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def has_cjk(text: str) -> bool:
    """Tell whether the text holds CJK ideographs or kana."""
    return any("\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" for c in text)


def join_words(words: Iterable[str]) -> str:
    """Join words with spaces, except between CJK characters (Tesseract splits those)."""
    out = ""
    for word in words:
        if out and not (has_cjk(out[-1]) and has_cjk(word[:1])):
            out += " "
        out += word
    return out


def _clean_line(line: OcrLine) -> tuple[str, float] | None:
    """Drop unsure junk words at the ends of a line; None if nothing readable is left."""
    words = list(line.words)

    def junk(word: OcrWord) -> bool:
        alnum = sum(c.isalnum() for c in word.text)
        return (
            alnum == 0
            or (word.conf < 0.4 and alnum <= 2)
            or (len(word.text) == 1 and word.conf < 0.75)
        )

    while words and junk(words[0]):
        words.pop(0)
    while words and junk(words[-1]):
        words.pop()
    if not words:
        return None
    text = join_words(w.text for w in words)
    text = text.strip(" |«»“”\"'`~_=*-—–")
    alnum = sum(c.isalnum() for c in text)
    conf = sum(w.conf * len(w.text) for w in words) / max(sum(len(w.text) for w in words), 1)
    if alnum < 2 or conf < 0.25:
        return None
    return text, conf


def _is_weak(text: str, conf: float) -> bool:
    """Tell whether a line is too unsure (or too short) to be a name, company or address."""
    alnum = sum(c.isalnum() for c in text)
    if alnum < 3 and not has_cjk(text):
        return True  # "c 4", "E": debris, whatever its confidence
    return conf < 0.45 or (conf < 0.6 and alnum < 6)


def _lines(source: Sequence[OcrLine] | str) -> list[_Line]:
    """Normalize the parser's input into cleaned lines in reading order."""
    if isinstance(source, str):
        raw = [OcrLine.from_text(t, i) for i, t in enumerate(source.splitlines()) if t.strip()]
    else:
        raw = list(source)
    out: list[_Line] = []
    for line in raw:
        cleaned = _clean_line(line)
        if cleaned:
            text, conf = cleaned
            out.append(
                _Line(
                    text,
                    float(line.height),
                    conf,
                    len(out),
                    weak=_is_weak(text, conf),
                    left=line.left,
                    right=line.left + line.width,
                    top=line.top,
                )
            )
    return out


# --------------------------------------------------------------------------- emails, web

_AT_LIKE = r"(?:@|\(at\)|\[at\]|\s+at\s+|©|®|\([Dda@]|Q(?=[a-z0-9]))"
_EMAIL = re.compile(
    rf"([A-Za-z0-9][A-Za-z0-9._%+-]*)\s*{_AT_LIKE}\s*([A-Za-z0-9-]+(?:\s?\.\s?[A-Za-z0-9-]+)+)"
)


_SPLIT_DOMAIN = re.compile(r"(?<=@)([A-Za-z0-9-]+)\s(?=[A-Za-z0-9-]+\.[A-Za-z])")


#: A free-mail address whose "@" OCR read as letters ("o", "Q", "(D", "id"). Only the
#: big providers: a company's own domain glued to its local part cannot be told apart.
_GLUED_FREE_MAIL = re.compile(
    r"(?<![\w.@])([a-z0-9][a-z0-9._-]{1,63}?)(?:[oQ©a]|\(?[Dd]|id)"
    r"(gmail|hotmail|yahoo|outlook|live|icloud|bol|terra|uol)(?=\.[a-z]{2,3}\b)"
)


def find_emails(lines: Sequence[_Line]) -> list[tuple[str, float, int]]:
    """Return (email, confidence, line index) for each valid email address seen."""
    found: list[tuple[str, float, int]] = []
    for line in lines:
        # OCR splits a domain at a wide letter gap: "name@g mail.com".
        text = _SPLIT_DOMAIN.sub(r"\1", line.text)
        if not _EMAIL.search(text):
            # An "@" misread as a letter before a free-mail domain: "nameogmail.com".
            text = _GLUED_FREE_MAIL.sub(r"\1@\2", text)
        for match in _EMAIL.finditer(text):
            local = match.group(1)
            domain = _restore_tld_dot(re.sub(r"\s", "", match.group(2)))
            repaired = "@" not in match.group(0)
            if repaired and any(c.isupper() for c in local):
                continue  # "Q" or "(D" stands for "@" only inside an all-lowercase address
            candidate = fold(f"{local}@{domain}").strip(".")
            tld = candidate.rsplit(".", 1)[-1]
            if tld not in TLDS and not (len(tld) == 2 and tld.isalpha()):
                continue
            try:
                email = validate_email(candidate, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                continue
            if email not in (e for e, _, _ in found):
                found.append((email, line.conf * (0.8 if repaired else 1.0), line.index))
                line.used.add("email")
    return found


_WEBSITE = re.compile(
    r"(?i)(?<![@\w.(/])((?:https?://)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+(?:/[\w./%-]*)?)"
)
#: Second-level labels under a country code ("com.br", "co.jp") that are no one's name.
_GENERIC_SLD = _words("com net org gov edu co ac ne or go mil nom")


def _web_text(text: str) -> str:
    """Undo OCR's spaces and commas inside web addresses ("WWW. site. com.br")."""
    text = re.sub(r"(?i)\bw{3}\s*[.,]?\s*(?=[a-z0-9])", "www.", text)
    if "www." in text.lower() or "http" in text.lower():
        text = re.sub(r"(?<=\w)\s*\.\s+(?=[a-z])", ".", text)
    text = re.sub(r"(?<=\w)\s*\.\s+(?=(?:com|net|org|br|pt|co|jp|cn)\b)", ".", text)
    return _restore_tld_dot(text)


#: A generic second-level label glued to a country code: the dot was lost ("site.combr").
_GLUED_TLD = re.compile(r"(?i)(\.(?:com|net|org|gov|edu))(br|pt|ar|mx|au|uk|cn|tr|co|pe|uy|py)\b")


def _restore_tld_dot(text: str) -> str:
    """Put back the dot OCR dropped between "com" and a country code ("x.combr")."""
    return _GLUED_TLD.sub(r"\1.\2", text)


_FREE_MAIL_HOSTS = ("gmail", "hotmail", "yahoo", "outlook", "icloud")


def find_website(lines: Sequence[_Line], emails: Sequence[str]) -> tuple[str, float, int] | None:
    """Return the card's website: a www./http address, else a bare domain with a known TLD.

    A bare domain that is only an email's domain is not taken as the website.
    """
    email_hosts = {e.split("@", 1)[1] for e in emails}
    best: tuple[str, float, int] | None = None
    for line in lines:
        text = _web_text(_EMAIL.sub(" ", _SPLIT_DOMAIN.sub(r"\1", line.text)))
        for match in _WEBSITE.finditer(text):
            if text[match.end() : match.end() + 1] == "@":
                continue
            site = match.group(1).lower().rstrip("./")
            host = re.sub(r"^(https?://)?", "", site).split("/")[0]
            explicit = site.startswith(("www.", "http"))
            labels = [x for x in host.split(".") if x != "www"]
            if labels[-1] not in TLDS or len(labels) < 2:
                continue
            if len(labels) == 2 and labels[0] in _GENERIC_SLD:
                continue
            if not explicit and (host in email_hosts or len(labels[0]) < 3):
                continue
            if any(labels[0].endswith(provider) for provider in _FREE_MAIL_HOSTS):
                continue  # a mail provider, or an email whose "@" was lost ("xgmail.com")
            score = line.conf * (1.0 if explicit else 0.75)
            if best is None or score > best[1] + (0.3 if best[0].startswith("www.") else 0):
                best = (site, score, line.index)
    if best:
        lines[best[2]].used.add("website")
    return best


def _domain_cores(emails: Iterable[str], website: str | None) -> list[str]:
    """Return the distinctive part of the card's domains (or free-mail local parts)."""
    cores: list[str] = []
    for email in emails:
        local, domain = email.split("@", 1)
        core = domain.split(".")[0]
        cores.append(re.sub(r"\d+$", "", local) if core in FREE_MAIL else core)
    if website:
        host = re.sub(r"^(https?://)?(www\.)?", "", website).split("/")[0]
        path = website.split("/", 1)[1] if "/" in website else ""
        cores.append(host.split(".")[0])
        if path:
            cores.append(path.split("/")[0])
    return [c for c in dict.fromkeys(cores) if len(c) >= 3]


# --------------------------------------------------------------------------- phones

_PHONE_RUN = re.compile(r"(?<![\w*])\+?\(?\d[\d\s().-]{5,}\d(?![\w*])")
_LOCAL = re.compile(r"^(?:\d[.\s]?)?\d{4}[-.\s]?\d{4}$")
#: A number with its area code in brackets, "(212) 555-0187", "(11) 2684-7988".
_AREA_CODE_SHAPE = re.compile(r"\(\d{2,4}\)\s?\d{3,5}[-\s]\d{4}")
_POSTCODE_SHAPE = re.compile(r"^\d{5}-\d{3}$|^\d{4}-\d{3}$")


def find_phones(lines: Sequence[_Line], region: str | None) -> list[tuple[str, float, int]]:
    """Return (phone, confidence, line index) for each telephone number printed.

    Numbers valid for `region` (or with a + country code) come back in international
    format; shorter local numbers (no area code) are kept as printed, digits and dashes.
    """
    found: list[tuple[str, float, int]] = []
    seen: set[str] = set()
    for line in lines:
        text = re.sub(r"(?i)ramal\s*\d+|ext\.?\s*\d+|\bID\.?\s*[\d*]+", " ", line.text)
        text = re.sub(r"(?i)cep:?\s*\d{5}-?\d{3}", " ", text)
        labelled = bool(CONTACT_LABEL.search(line.text))
        for chunk in re.split(r"\s/\s|\s{2,}|\|", text):
            for match in _PHONE_RUN.finditer(chunk):
                for number, conf in _phone_candidates(match.group(0), region, labelled):
                    digits = re.sub(r"\D", "", number)
                    if any(d.endswith(digits[-8:]) for d in seen):
                        continue
                    seen.add(digits)
                    found.append((number, conf * line.conf, line.index))
                    line.used.add("phone")
    return found


def _phone_candidates(run: str, region: str | None, labelled: bool) -> list[tuple[str, float]]:
    """Split a run of digits into phone numbers, valid ones first, local ones as printed."""
    run = run.strip(" .-")
    if 8 <= sum(c.isdigit() for c in run) <= 15:
        whole = _parse(run, region)
        if whole:
            return [(whole, 0.95)]
        if not region and _AREA_CODE_SHAPE.fullmatch(run):
            return [(run, 0.6)]  # no numbering plan to check it by: kept as printed
    out: list[tuple[str, float]] = []
    matcher = phonenumbers.PhoneNumberMatcher(run, region or "ZZ", phonenumbers.Leniency.VALID)
    spans = []
    for match in matcher:
        if re.search(r"\d[.\s-]*$", run[: match.start]):
            continue  # digits glued in front ("9.4000-4561"): a longer local number
        out.append((_format(match.number), 0.95))
        spans.append((match.start, match.end))
    rest = run
    for start, end in reversed(spans):
        rest = rest[:start] + " / " + rest[end:]
    for piece in re.split(r"\s/\s", rest):
        out.extend(_local_numbers(piece, region, labelled))
    return out


def _local_numbers(piece: str, region: str | None, labelled: bool) -> list[tuple[str, float]]:
    """Read numbers printed without an area code (e.g. "2646-6123", "9.9679-9468").

    With a region they are checked against its numbering plan; without one, only the
    unmistakable shape of a local number (four digits, a dash, four digits) is kept,
    as printed and with less confidence.
    """
    out: list[tuple[str, float]] = []
    for found in re.findall(r"(?<!\d)(?:\d[.\s]\s?)?\d{4,5}[-.]\s?\d{4}|\d{4}\s\d{4}", piece):
        part = re.sub(r"(?<=[-.])\s", "", found.strip())
        if _POSTCODE_SHAPE.match(part):
            continue
        if " " in part and "-" not in part and not labelled:
            continue
        parsed = _parse(part, region) if region else None
        if parsed is not None:
            out.append((parsed, 0.85))
        elif not region and "-" not in part:
            continue
        elif _LOCAL.match(part) or re.match(r"^\d{5}-\d{4}$", part):
            out.append((re.sub(r"(?<=\d)\s(?=\d{4}$)", "-", part), 0.7 if region else 0.6))
    return out


def _parse(text: str, region: str | None) -> str | None:
    """Return the number in international format if it is valid, else None."""
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    return _format(number) if phonenumbers.is_valid_number(number) else None


def _format(number: phonenumbers.PhoneNumber) -> str:
    """Format a parsed number for storage and display."""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --------------------------------------------------------------------------- titles, names


def _title_score(text: str) -> float:
    """Return how much the line reads like a job title (0 when it does not)."""
    if "@" in text or sum(c.isdigit() for c in text) > 0:
        return 0.0
    if has_cjk(text) and any(k in text for k in TITLE_CJK) and len(text) <= 30:
        return 0.9
    words = re.findall(r"[\w-]+", fold(text))
    if not words or len(words) > 7:
        return 0.0
    hits = sum(1 for w in words if w in TITLE_WORDS)
    hits += sum(1 for w in re.findall(r"[\w-]+", text) if w in TITLE_ACRONYMS)
    if not hits:
        return 0.0
    return min(1.0, 0.75 + 0.1 * hits)


def find_title(lines: Sequence[_Line]) -> tuple[str, float, int] | None:
    """Return the first line that reads like a job title."""
    for line in lines:
        if line.used or line.weak:
            continue
        score = _title_score(line.text)
        if score:
            line.used.add("title")
            return line.text, score * line.conf, line.index
    return None


#: Marks between the names of two people who share a card ("Eliete / Ana Paula").
_NAME_SEPARATORS = {"/", "&"}


def _name_shape(text: str) -> float:
    """Return how much a line looks like a person's name by its shape alone."""
    if any(c.isdigit() for c in text) or "@" in text:
        return 0.0
    if has_cjk(text):
        core = text.replace(" ", "").replace("　", "")
        plain = all(has_cjk(c) for c in core)
        return 0.5 if plain and 2 <= len(core) <= 4 else 0.0
    words = text.replace("’", "'").split()
    if not 1 <= len(words) <= 5:
        return 0.0
    if ADDRESS_WORDS.search(text) or COMPANY_SUFFIXES.search(text) or CONTACT_LABEL.search(text):
        return 0.0
    score = 0.5
    for word in words:
        bare = word.strip(".,()")
        if fold(bare) in NAME_PARTICLES or bare in _NAME_SEPARATORS:
            continue
        # Letters, with inner apostrophes and hyphens ("D'Ávila", "Jean-Pierre").
        if not re.fullmatch(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?", bare):
            return 0.0
        if not bare[0].isupper():
            return 0.0
        if len(bare) > 2 and bare.isupper():
            score -= 0.15
    if len(words) == 1:
        score -= 0.2
    return max(score, 0.0)


def _echoes_email(text: str, emails: Sequence[str]) -> bool:
    """Tell whether a name-like line shares a name part with an email's local part."""
    tokens = [t for t in re.findall(r"\w+", fold(text)) if len(t) >= 3]
    for email in emails:
        local = re.sub(r"[^a-z]", "", email.split("@")[0])
        if any(t in local for t in tokens):
            return True
        if (
            tokens
            and len(local) >= 4
            and fuzz.ratio(local, "".join(t[0] for t in tokens[:-1]) + tokens[-1]) > 85
        ):
            return True
    return False


def _name_reading_conf(line: _Line, words: Sequence[str]) -> float:
    """How sure the reading of a name line is: OCR's confidence, raised by the dictionary.

    A script typeface leaves Tesseract unsure even when it reads right; misreadings
    rarely spell real first names, so each word found in the name dictionary closes
    part of the gap to certainty.
    """
    names = [w for w in words if fold(w.strip(".,")) not in NAME_PARTICLES]
    if not names:
        return line.conf
    known = sum(first_name_score(w) for w in names) / len(names)
    return line.conf + (1.0 - line.conf) * 0.8 * known


def find_name(
    lines: Sequence[_Line], title_index: int | None, emails: Sequence[str]
) -> tuple[str, float, int] | None:
    """Return the line most like a person's name, if one is likely enough."""
    heights = sorted(line.height for line in lines if not line.weak) or [1.0]
    median = heights[len(heights) // 2]
    best: tuple[str, float, int] | None = None
    for line in lines:
        if line.used or line.weak:
            continue
        shape = _name_shape(line.text)
        if not shape:
            continue
        score = shape
        if title_index is not None and abs(line.index - title_index) == 1:
            score += 0.35
        if emails and _echoes_email(line.text, emails):
            score += 0.25
        words = line.text.split()
        firsts = [words[0]] + [
            after
            for before, after in zip(words, words[1:], strict=False)
            if before in _NAME_SEPARATORS
        ]
        score += 0.25 * max(first_name_score(word) for word in firsts)
        if len(words) >= 3 and any(re.fullmatch(r"[A-Z]\.", w) for w in words[1:-1]):
            score += 0.1  # a middle initial: "Ana M. Souza"
        if line.height >= median:
            score += 0.05
        score = min(score, 1.0) * _name_reading_conf(line, words)
        if score >= 0.65 and (best is None or score > best[1]):
            best = (line.text, score, line.index)
    if best:
        lines[best[2]].used.add("name")
    return best


# --------------------------------------------------------------------------- company


def _squash(text: str) -> str:
    """Fold and keep only letters and digits, for comparing with domain names."""
    return re.sub(r"[\W_]", "", fold(text))


#: Email, web and social-handle fragments: never part of an organization's name.
_WEBBY = re.compile(r"(?i)@|www|https?:|\.(com|net|org)\b|/\S{4,}")


def find_company(lines: Sequence[_Line], cores: Sequence[str]) -> tuple[str, float, int] | None:
    """Return the organization's name: legal suffix, domain echo, or largest text."""
    free = [
        line for line in lines if not line.used and not line.weak and not _WEBBY.search(line.text)
    ]
    for line in free:
        if (COMPANY_SUFFIXES.search(line.text) and _alpha_ratio(line.text) > 0.6) or any(
            k in line.text for k in COMPANY_CJK
        ):
            line.used.add("company")
            return line.text, 0.85 * line.conf, line.index
    echoes = []
    for line in free:
        squashed = _squash(line.text)
        if len(squashed) < 3 or _alpha_ratio(line.text) < 0.7:
            continue
        score = max(
            (fuzz.partial_ratio(squashed, core) for core in cores if len(core) >= 3), default=0
        )
        if score >= 85:
            echoes.append((score, line))
    if echoes:
        # The line that echoes the most of the domain: "Alerta Security Solutions", not
        # the "alerTa" of the logo beside it, for alertasecurity.com.br.
        echoes.sort(key=lambda pair: (-pair[0], -_coverage(pair[1], cores), -pair[1].height))
        line = echoes[0][1]
        text = _extend_with_block(line, lines, _extend_with_echoes(line, lines, cores))
        return text, 0.8 * line.conf, line.index
    largest = _largest_text(free)
    if largest is None:
        return None
    text, conf, index = largest
    return _extend_with_block(lines[index], lines, text), conf, index


def _coverage(line: _Line, cores: Sequence[str]) -> float:
    """Share of the best-matched domain core that the line's letters span."""
    squashed = _squash(line.text)
    return max((min(len(squashed), len(core)) / len(core) for core in cores if core), default=0)


#: At most this many words in a line that joins the company's name (a tagline is longer).
BLOCK_WORDS = 4
#: A company name this many times the card's median font size is a logo or headline,
#: whose other lines may join it.
LOGO_SIZE = 1.2


def _extend_with_block(line: _Line, lines: Sequence[_Line], text: str) -> str:
    """Join the lines printed as one block with the company's name: a logo's second line.

    "BELTIS" over "IT Solutions", "Microvida" over "informática": when the name stands
    out (a font well above the card's usual size), a short line of letters directly
    above or below it, overlapping it across, in a font at least 40 % of its size, with
    nothing printed between them. Lists, addresses and lines already taken (a person's
    name, a title) never join.
    """
    sizes = sorted(other.height for other in lines if not other.weak)
    if not sizes or line.height < LOGO_SIZE * sizes[len(sizes) // 2]:
        return text
    parts = {line.index: text}
    for direction in (1, -1):
        current = line
        while True:
            neighbour = _block_neighbour(current, lines, direction)
            if neighbour is None:
                break
            neighbour.used.add("company")
            parts[neighbour.index] = neighbour.text
            current = neighbour
    order = sorted(parts, key=lambda index: lines[index].top)
    return " ".join(parts[index] for index in order)


def _block_neighbour(line: _Line, lines: Sequence[_Line], direction: int) -> _Line | None:
    """Return the line printed right below (1) or above (-1) `line` in its block, if any."""
    bottom = line.top + line.height

    def across(other: _Line) -> float:
        overlap = min(line.right, other.right) - max(line.left, other.left)
        return overlap / max(min(line.right - line.left, other.right - other.left), 1)

    column = [other for other in lines if other is not line and across(other) > 0.3]
    if direction > 0:
        beyond = [o for o in column if o.top > line.top + 0.5 * line.height]
        nearest = min(beyond, key=lambda o: o.top, default=None)
        gap = nearest.top - bottom if nearest else 0.0
    else:
        beyond = [o for o in column if o.top + o.height < bottom - 0.5 * line.height]
        nearest = max(beyond, key=lambda o: o.top + o.height, default=None)
        gap = line.top - (nearest.top + nearest.height) if nearest else 0.0
    if (
        nearest is None
        or nearest.used
        or nearest.weak
        or gap > 0.6 * max(line.height, nearest.height)
        or nearest.height < 0.4 * line.height
        or len(nearest.text.split()) > BLOCK_WORDS
        or _alpha_ratio(nearest.text) < 0.6
        or "," in nearest.text
        or _WEBBY.search(nearest.text)
        or _address_score(nearest.text) >= 0.6
        or _PHONE_LIKE.search(nearest.text)
    ):
        return None
    return nearest


def _extend_with_echoes(line: _Line, lines: Sequence[_Line], cores: Sequence[str]) -> str:
    """Join a neighbouring line that also echoes the domain ("DOMÍNIO" + "AUTO PEÇAS")."""
    line.used.add("company")
    strong = [item for item in lines if not item.weak]
    position = strong.index(line)
    before = strong[position - 1] if position > 0 else None
    after = strong[position + 1] if position + 1 < len(strong) else None
    text = line.text
    for neighbour in (after, before):
        if neighbour is None or neighbour.used:
            continue
        squashed = _squash(neighbour.text)
        if len(squashed) >= 4 and any(squashed in core for core in cores):
            neighbour.used.add("company")
            joined = (text, neighbour.text) if neighbour is after else (neighbour.text, text)
            text = " ".join(joined)
    return text


def _alpha_ratio(text: str) -> float:
    """Share of letters among the non-space characters."""
    chars = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in chars) / max(len(chars), 1)


def _person_like(text: str) -> bool:
    """Tell whether a line is shaped like a person's name and starts with a first name."""
    return bool(_name_shape(text)) and first_name_score(text.split()[0]) > 0


def _largest_text(lines: Sequence[_Line]) -> tuple[str, float, int] | None:
    """Fall back to the largest confidently read, mostly-letter line."""
    candidates = [
        line
        for line in lines
        if not line.used
        and line.conf >= 0.75
        and _alpha_ratio(line.text) >= 0.8
        and len(_squash(line.text)) >= 3
        and not ADDRESS_WORDS.search(line.text)
        and re.fullmatch(r"[\w\s.&'’-]+", line.text)  # no lists, handles or OCR debris
        and not _REFERENCE.search(line.text)
        and len(line.text.split()) <= 6
        and not _person_like(line.text)
    ]
    if not candidates:
        return None
    line = max(candidates, key=lambda item: item.height)
    line.used.add("company")
    return line.text, 0.45 * line.conf, line.index


# --------------------------------------------------------------------------- address


_PHONE_LIKE = re.compile(r"\+?\(?\d{2,3}\)?[\s.]?\d?[\s.]?\d{4,5}[-.\s]\d{4}\b|\b\d{4,5}-\d{4}\b")
_REFERENCE = re.compile(
    r"(?i)\(?\b(pr[oó]x(imo|\.)?|ao lado|em frente|esquina|near|next to|opposite)\b.*$"
)


#: A remark in brackets closing an address line: "(Travessa da Gamelinha)", directions.
_REMARK = re.compile(r"\s*[-–]?\s*\((?=[^\W\d_])[^)]*\)?\s*$")


def _address_score(text: str) -> float:
    """Return how much a line reads like part of a postal address."""
    text = _PHONE_LIKE.sub(" ", text)
    if has_cjk(text):
        hits = sum(1 for k in ADDRESS_CJK if k in text)
        return min(1.0, 0.3 * hits) if any(c.isdigit() for c in text) or hits >= 2 else 0.0
    score = 0.0
    if ADDRESS_WORDS.search(text) and re.search(r"\d", text):
        score += 0.6
    if POSTCODE.search(text):
        score += 0.5
    if score and re.search(r"\d", text):
        score += 0.2
    return min(score, 1.0)


def _strip_contacts(text: str) -> str:
    """Cut phone, email and web parts and reference notes out of an address line."""
    text = re.split(r"(?i)(?<![\w])(?:tel|fone|fones|cel|fax|pabx|e-?mail|phone)\b", text)[0]
    text = _REFERENCE.sub("", text)
    text = _REMARK.sub("", text)
    text = _PHONE_LIKE.sub(" ", text)
    text = re.sub(r"\S+@\S+|www\.\S+", "", text)
    text = re.sub(r"(?i)^(endere[cç]o|address|add|end)\s*[:.]\s*", "", text)
    text = text.replace(" | ", ", ").replace("|", ", ")
    text = re.sub(r"\s[^\w\s]{1,2}\w?\s*$", "", text)
    return re.sub(r"\s+", " ", text).strip(" ,;-–=~")


def _is_place(text: str) -> bool:
    """Tell whether a short line looks like a place name ("São Paulo - SP", "Centro")."""
    words = re.findall(r"[^\W\d_]{3,}", text)
    return (
        0 < len(text.split()) <= 6
        and not any(c.isdigit() for c in text)
        and all(w[0].isupper() or fold(w) in NAME_PARTICLES for w in words)
    )


def _street_start(text: str) -> str:
    """Drop short junk before the street keyword ("; ides o Av. Rio ..." -> "Av. Rio ...").

    A line that starts with a number keeps it: "350 Fifth Avenue" prints the house
    number first.
    """
    match = ADDRESS_WORDS.search(text)
    if match and 0 < match.start() <= 12 and not re.match(r"\d", text):
        return text[match.start() :]
    return text


def find_address(lines: Sequence[_Line]) -> tuple[str, float, int] | None:
    """Return the street address: the first address line and the lines that continue it."""
    for i, line in enumerate(lines):
        if line.weak or "email" in line.used:
            continue
        score = _address_score(line.text)
        if score < 0.6:
            continue
        parts = [_strip_contacts(_street_start(line.text))]
        confs = [line.conf]
        # The next two surely read lines (OCR debris between printed lines is skipped).
        following = [nxt for nxt in lines[i + 1 :] if not nxt.weak and line.continued_by(nxt)][:2]
        for nxt in following:
            if nxt.used - {"phone"} or re.match(r"(?i)^\W*(rua|av\.?|avenida|r\.)\s", nxt.text):
                break
            if _REFERENCE.match(nxt.text) or abs(nxt.height - line.height) > 0.4 * line.height:
                break
            part = _strip_contacts(nxt.text)
            short_place = _is_place(part)
            if _address_score(nxt.text) < 0.5 and not short_place:
                break
            if part:
                parts.append(part)
                confs.append(nxt.conf)
        address = ", ".join(p for p in parts if p)
        if len(_squash(address)) < 6:
            continue
        line.used.add("address")
        return address, score * sum(confs) / len(confs), i
    return None


# --------------------------------------------------------------------------- region

#: Country-code top-level domains that are not the country's ISO code.
_TLD_REGIONS = {"uk": "GB"}
#: Words of Portuguese as printed on Brazilian cards (a postcode "CEP", "Ltda."), and
#: a Brazilian state after a dash or slash ("São Paulo - SP").
_PORTUGUESE = re.compile(
    r"(?i)(?<![\w])(cep|ltda|rua|av|avenida|jd|jardim|fone|celular|ramal|loja|"
    r"s[aã]o|pe[cç]as|servi[cç]os)(?![\w])|(?<=[-/] )(SP|RJ|MG|PR|RS|SC|BA|PE|CE|GO|DF)\b"
)


def infer_region(lines: Sequence[_Line], emails: Sequence[str], website: str | None) -> str | None:
    """Tell the card's country from the card itself, for numbers printed without one.

    In order of strength: a "+" country code on a number, the country domain of an
    email or website (".com.br", ".de"), the script (kana: Japan; Chinese characters:
    China), and Brazilian Portuguese words with a Brazilian postcode or two of them.
    None when the card does not say.
    """
    text = "\n".join(line.text for line in lines)
    for match in re.finditer(r"\+\s?(\d{1,3})", text):
        for size in range(1, len(match.group(1)) + 1):
            region = phonenumbers.region_code_for_country_code(int(match.group(1)[:size]))
            if region != "ZZ":
                return region
    for address in [*emails, website or ""]:
        host = address.rsplit("@", 1)[-1].split("/")[0].lower()
        tld = host.rsplit(".", 1)[-1] if "." in host else ""
        region = _TLD_REGIONS.get(tld, tld.upper())
        if len(tld) == 2 and region in phonenumbers.SUPPORTED_REGIONS:
            return region
    if any("\u3040" <= c <= "\u30ff" for c in text):
        return "JP"
    if has_cjk(text):
        return "CN"
    words = {fold("".join(parts)) for parts in _PORTUGUESE.findall(text)}
    if len(words) >= 2 or (words and re.search(r"\b\d{5}-\d{3}\b", text)):
        return "BR"
    return None


# --------------------------------------------------------------------------- entry point


def parse_card(source: Sequence[OcrLine] | str, *, region: str | None = None) -> CardFields:
    """Parse a card's OCR lines (or plain text, one printed line per line) into fields.

    `region` is the ISO country code used for phone numbers printed without a country
    code (the edition's default region); None lets the card tell (see `infer_region`).
    """
    lines = _lines(source)
    result = CardFields()
    conf: dict[str, float] = dict.fromkeys(FIELDS, 0.0)

    emails = find_emails(lines)
    result.emails = [e for e, _, _ in emails]
    conf["emails"] = min((c for _, c, _ in emails), default=0.0)

    website = find_website(lines, result.emails)
    if website:
        result.website, conf["website"] = website[0], website[1]

    if not region:
        region = infer_region(lines, result.emails, result.website)
    result.region = region
    phones = find_phones(lines, region)
    result.phones = [p for p, _, _ in phones]
    conf["phones"] = min((c for _, c, _ in phones), default=0.0)

    title = find_title(lines)
    if title:
        result.title, conf["title"] = title[0], title[1]

    name = find_name(lines, title[2] if title else None, result.emails)
    if name:
        result.name, conf["name"] = name[0], name[1]

    address = find_address(lines)
    if address:
        result.address, conf["address"] = address[0], address[1]

    company = find_company(lines, _domain_cores(result.emails, result.website))
    if company:
        result.company, conf["company"] = company[0], company[1]

    result.confidence = {k: round(min(max(v, 0.0), 1.0), 3) for k, v in conf.items()}
    return result
