"""Metadata an operator supplies beside the documents: a `metadata.jsonl` per source folder, or a front-matter
block at the top of a file. Operator values are facts about the document and override what extraction guesses.

Field names differ between sources (the LawRefBook export says `heading`/`publish`/`expired`, the Taiwan
export `abolished`/`effective_date`); `normalise_operator_fields` maps them onto Document field names.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from search.model import LEVELS, STATUSES

METADATA_FILE = "metadata.jsonl"

# Operator field names (lower-cased) for each Document field, in order of preference.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("heading", "title", "full_title", "标题", "名称"),
    "issuer": ("issuer", "issuers", "publisher", "发文机关", "发布机关", "制定机关", "发文单位"),
    "doc_number": ("doc_number", "docno", "doc_no", "文号", "发文字号"),
    "date": (
        "date",
        "publish",
        "published",
        "publish_date",
        "pubdate",
        "issued",
        "发布日期",
        "成文日期",
        "发文日期",
        "公布日期",
    ),
    "year": ("year", "年度", "年份"),
    "doc_type": ("doc_type", "type", "文种", "文件类型"),
    "level": ("level", "效力级别", "效力层级"),
    "region": ("region", "province", "地区", "行政区划"),
    "status": ("status", "时效性", "效力状态"),
    "valid_from": ("valid_from", "effective_date", "effective", "施行日期", "生效日期"),
    "valid_until": ("valid_until", "expiry_date", "expires", "有效期至", "失效日期"),
    "extends": ("extends", "延长有效期"),
    "repeals": ("repeals", "同时废止"),
    "superseded_by": ("superseded_by", "replaced_by"),
}
# Used for `date` only when none of the date aliases is set: the latest version's date is the date of the
# text the file holds (Taiwan's 最新異動日期).
DATE_FALLBACKS = ("last_amended", "amended", "修改日期")
# Document fields an operator's text is taken as, stripped.
TEXT_FIELDS = ("doc_number", "doc_type", "region", "superseded_by")
# Flags meaning the document is no longer in force.
REPEALED_FLAGS = ("expired", "abolished", "repealed", "废止", "失效")
# `nature` (法規性質) is a level when it names one (法律); 命令 has no counterpart in LEVELS.
LEVEL_FALLBACKS = ("nature",)
# Status words an operator might write, mapped to STATUSES.
STATUS_WORDS = {
    "现行有效": "current",
    "有效": "current",
    "现行": "current",
    "現行有效": "current",
    "已修改": "amended",
    "已被修改": "amended",
    "修正": "amended",
    "已废止": "repealed",
    "废止": "repealed",
    "失效": "repealed",
    "已失效": "repealed",
    "廢止": "repealed",
    "expired": "repealed",
    "abolished": "repealed",
    "试行": "trial",
    "暂行": "trial",
    "草案": "draft",
    "征求意见稿": "draft",
    "被替代": "superseded",
    "已被替代": "superseded",
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "t"})
# Separators between several issuers written in one string (中共鼓楼区委、鼓楼区人民政府).
_ISSUER_SPLIT = re.compile(r"[,，、;；|]")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_FRONT_KEY = re.compile(r"^([\w][\w .\-]*?)\s*:(?:\s+(.*))?$")
_FRONT_ITEM = re.compile(r"^\s*-\s+(.*)$")
_INT = re.compile(r"^-?\d+$")


@dataclass(frozen=True, slots=True)
class MetadataFile:
    """Rows of the metadata.jsonl files under a folder, keyed by path relative to that folder, and the
    problems found reading them ("file:line: reason"); a bad line costs that line only."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def lookup(self, relative: str | PurePosixPath) -> dict[str, Any] | None:
        """The row for a path relative to the folder, tolerating ./, backslashes and Unicode normal form."""
        key = _clean_key(str(relative))
        if key is None:
            return None
        row = self.rows.get(key)
        if row is not None:
            return row
        nfc = unicodedata.normalize("NFC", key)
        for candidate, value in self.rows.items():
            if unicodedata.normalize("NFC", candidate) == nfc:
                return value
        return None


def _clean_key(raw: str) -> str | None:
    """A row's path as a clean relative POSIX path, or None when it points outside the folder."""
    text = raw.strip().replace("\\", "/")
    if not text or text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _decode_lines(data: bytes) -> list[str]:
    # Line by line, so one line saved in another encoding costs that line only; JSON has no raw newlines
    # inside values, so splitting the bytes on LF is safe.
    lines = []
    for raw in data.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            lines.append(f"\x00not UTF-8 at byte {exc.start} of the line; save the file as UTF-8")
    return lines


def parse_metadata_lines(
    lines: list[str], *, prefix: str = "", label: str = METADATA_FILE
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Rows keyed by `prefix` + their `path`, and one error per bad line; the first row for a path wins.

    Equal keys and strings of all rows are one object each: a build holds every row of its sources until it is
    written, and most rows repeat their keys and many of their values (a level, a region, a date)."""
    rows: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    shared: dict[str, str] = {}

    def one_of_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return {shared.setdefault(k, k): shared.setdefault(v, v) if isinstance(v, str) else v for k, v in pairs}

    decoder = json.JSONDecoder(object_pairs_hook=one_of_each)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{label}:{number}"
        if line.startswith("\x00"):  # marked by _decode_lines; JSON text never has NUL
            errors.append(f"{where}: {line[1:]}")
            continue
        try:
            row = decoder.decode(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(row, dict):
            errors.append(f"{where}: expected a JSON object, got {type(row).__name__}")
            continue
        path = row.get("path")
        if not isinstance(path, str):
            errors.append(f'{where}: no "path" string naming the file the row describes')
            continue
        key = _clean_key(path)
        if key is None:
            errors.append(f"{where}: path {path!r} is not a relative path inside the folder")
            continue
        key = prefix + key
        if key in rows:
            errors.append(f"{where}: second row for {key!r}; the first one is used")
            continue
        rows[key] = row
    return rows, errors


def read_metadata_file(folder: Path) -> MetadataFile:
    """Read `metadata.jsonl` in `folder` and in its subfolders (their paths are relative to the folder
    each file sits in, and are re-keyed relative to `folder`); a missing file gives no rows."""
    folder = Path(folder)
    files = sorted(folder.rglob(METADATA_FILE), key=lambda p: (len(p.parts), p.as_posix()))
    rows: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for path in files:
        if not path.is_file():
            continue
        rel_dir = path.parent.relative_to(folder).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        label = prefix + METADATA_FILE
        try:
            data = path.read_bytes()
        except OSError as exc:
            errors.append(f"{label}: cannot read ({exc.strerror or exc})")
            continue
        found, problems = parse_metadata_lines(_decode_lines(data), prefix=prefix, label=label)
        errors += problems
        for key, row in found.items():
            if key in rows:  # the top-level file spoke first: it describes the whole tree
                errors.append(f"{label}: {key!r} is also described by an outer {METADATA_FILE}; that row is used")
            else:
                rows[key] = row
    return MetadataFile(rows=rows, errors=errors)


# ---------------------------------------------------------------------------------------------- front matter


def _scalar(raw: str) -> Any:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    lowered = value.lower()
    if lowered in ("", "null", "~", "none"):
        return None
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if _INT.match(value) and not (len(value) > 1 and value.lstrip("-").startswith("0")):
        return int(value)
    if value.startswith("[") and value.endswith("]"):
        inner = value[1:-1].strip()
        return [_scalar(item) for item in inner.split(",")] if inner else []
    return value


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a leading `---` block of `key: value` lines (lists as `[a, b]` or `- item` lines) from the body.

    Anything in the block that is not such a line means the `---` was a Markdown rule, not front matter:
    then ({}, text) comes back unchanged.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        return {}, text
    data: dict[str, Any] = {}
    last_key: str | None = None
    for index in range(1, len(lines)):
        line = lines[index].rstrip("\r\n")
        if line.rstrip() in ("---", "..."):
            return data, "".join(lines[index + 1 :])
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _FRONT_ITEM.match(line)
        if item and last_key is not None and (data[last_key] is None or isinstance(data[last_key], list)):
            data[last_key] = [*(data[last_key] or []), _scalar(item.group(1))]
            continue
        match = _FRONT_KEY.match(line)
        if match is None:
            return {}, text
        last_key = match.group(1).strip()
        data[last_key] = _scalar(match.group(2) or "")
    return {}, text  # no closing line


# ---------------------------------------------------------------------------------------------- fields


def normalise_date(value: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from 2017-03-23, 2017/3/23, 2017.03.23, 2017年3月23日, 20170323 or a
    datetime; None when the value is not a valid date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str | int):
        return None
    text = str(value)
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return None


def _is_true(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in TRUE_WORDS


def _issuers(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            continue
        for part in _ISSUER_SPLIT.split(item):
            name = part.strip()
            if name and name not in out:
                out.append(name)
    return out


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 9999 else None
    if isinstance(value, str):
        match = re.match(r"^\s*(\d{4})\s*年?度?\s*$", value)
        return int(match.group(1)) if match else None
    return None


def _first(row: dict[str, Any], names: tuple[str, ...]) -> tuple[str, Any] | None:
    for name in names:
        if name in row and row[name] not in (None, "", []):
            return name, row[name]
    return None


def _status(row: dict[str, Any], superseded_by: str | None) -> str | None:
    given = _first(row, FIELD_ALIASES["status"])
    if given is not None and isinstance(given[1], str):
        word = given[1].strip()
        if word.lower() in STATUSES:
            return word.lower()
        if word in STATUS_WORDS:
            return STATUS_WORDS[word]
    if superseded_by:
        return "superseded"
    flags = [row[name] for name in REPEALED_FLAGS if name in row and row[name] is not None]
    if any(_is_true(flag) for flag in flags):
        return "repealed"
    if flags:
        return "current"
    return None


def normalise_operator_fields(row: dict[str, Any]) -> dict[str, Any]:
    """Map an operator row (metadata.jsonl or front matter) onto Document fields.

    Gives title, short_title, issuer (list), doc_number, date, year, doc_type, level, region, status,
    valid_from, valid_until, extends (list), repeals (list) and superseded_by where the row says something about
    them, plus every other field of the row unchanged (for Document.extra). `path` is dropped; unparseable dates
    are kept as `<field>_raw`.
    """
    lowered = {str(key).strip().lower(): value for key, value in row.items()}
    used: set[str] = {"path"}  # the row's (lower-cased) names read into a Document field
    out = _title_fields(lowered, used)
    out |= _named_fields(lowered, used)
    out |= _date_fields(lowered, used)
    out |= _level_fields(lowered, used)
    out |= _status_fields(lowered, used, out.get("superseded_by"))
    if (extends := _take(lowered, used, "extends")) is not None:
        # "<《title》 or 文号> 延长至 YYYY-MM-DD"
        out["extends"] = _listed(extends)
    if (repeals := _take(lowered, used, "repeals")) is not None:
        # The documents it repeals, by title: "《某条例》"
        out["repeals"] = [f"《{v.strip('《》').strip()}》" for v in _listed(repeals) if v.strip("《》").strip()]
    _add_extra_fields(out, row, used)
    return out


def _listed(value: Any) -> list[str]:
    """Several values given as a list or as one text separated by ； (or newlines), stripped, empty ones left out."""
    values = value if isinstance(value, list) else re.split(r"[;；\n]", str(value))
    return [str(v).strip() for v in values if str(v).strip()]


def _take(lowered: dict[str, Any], used: set[str], name: str) -> Any:
    """The value of the first of Document field `name`'s aliases the row sets (None if none), noted as used."""
    found = _first(lowered, FIELD_ALIASES[name])
    if found is None:
        return None
    used.add(found[0])
    return found[1]


def _title_fields(lowered: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """title, and short_title: a row with a `heading` (the full title) has its `title` as the short one."""
    out: dict[str, Any] = {}
    heading = _first(lowered, ("heading",))
    short = _first(lowered, ("title",))
    if heading is not None:
        out["title"] = str(heading[1]).strip()
        used.update({"heading", "title"})
        if short is not None and str(short[1]).strip() != out["title"]:
            out["short_title"] = str(short[1]).strip()
    elif (title := _take(lowered, used, "title")) is not None:
        out["title"] = str(title).strip()
    return out


def _named_fields(lowered: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """issuer (a list of names), and the fields taken as text: doc_number, doc_type, region, superseded_by."""
    out: dict[str, Any] = {}
    if (issuer := _take(lowered, used, "issuer")) is not None and (names := _issuers(issuer)):
        out["issuer"] = names
    for name in TEXT_FIELDS:
        if (value := _take(lowered, used, name)) is not None:
            out[name] = str(value).strip()
    return out


def _date_fields(lowered: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """date, valid_from, valid_until and year, or `<field>_raw` with the text of one that is no date or year."""
    out: dict[str, Any] = {}
    for name in ("date", "valid_from", "valid_until"):
        raw = _take(lowered, used, name)
        if raw is None and name == "date" and (fallback := _first(lowered, DATE_FALLBACKS)) is not None:
            raw = fallback[1]  # the fallback field stays in extra as well
        if raw is None:
            continue
        iso = normalise_date(raw)
        if iso is not None:
            out[name] = iso
        else:
            out[f"{name}_raw"] = str(raw)

    if (year := _take(lowered, used, "year")) is not None:
        if (number := _year(year)) is not None:
            out["year"] = number
        else:
            out["year_raw"] = str(year)
    return out


def _level_fields(lowered: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """level, or level_raw with a level LEVELS does not know."""
    level = _take(lowered, used, "level")
    if level is None and (fallback := _first(lowered, LEVEL_FALLBACKS)) is not None:
        level = fallback[1] if fallback[1] in LEVELS else None
    if not isinstance(level, str):
        return {}
    if level.strip() in LEVELS:
        return {"level": level.strip()}
    return {"level_raw": level.strip()}


def _status_fields(lowered: dict[str, Any], used: set[str], superseded_by: str | None) -> dict[str, Any]:
    """status, and status_raw with a status word the mapping does not know."""
    out: dict[str, Any] = {}
    status = _status(lowered, superseded_by)
    given = _first(lowered, FIELD_ALIASES["status"])
    if given is not None:
        used.add(given[0])
        if status is None or str(given[1]).strip().lower() not in (status, *STATUS_WORDS):
            out["status_raw"] = str(given[1]).strip()
    if status is not None:
        out["status"] = status
    return out


def _add_extra_fields(out: dict[str, Any], row: dict[str, Any], used: set[str]) -> None:
    """Add the row's fields not read into a Document field to `out`, as they are."""
    aliases = {alias for names in FIELD_ALIASES.values() for alias in names}
    for key, value in row.items():
        name = str(key).strip()
        if name.lower() in used or name in out or (value in (None, "", []) and name.lower() in aliases):
            continue  # an empty alias says nothing; a non-empty unused one is kept
        out[name] = value
