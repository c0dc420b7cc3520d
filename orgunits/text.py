"""Vietnamese text helpers: NFC normalisation and diacritic-free search keys."""

import re
import unicodedata


def nfc(value: str | None) -> str:
    """Return the text in NFC with surrounding and repeated inner whitespace collapsed."""
    if not value:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def search_key(value: str | None) -> str:
    """Lower-case, diacritic-free form used for searching ("Nguyễn Đức" -> "nguyen duc")."""
    text = nfc(value).replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.lower()


def given_name(full_name: str) -> str:
    """The last word of a Vietnamese full name, which lists sort by first ("tên")."""
    parts = nfc(full_name).split(" ")
    return parts[-1] if parts else ""


def nfc_lines(value: str | None) -> str:
    """NFC-normalise a multi-line text, collapsing spaces within lines but keeping the breaks."""
    if not value:
        return ""
    lines = str(value).replace("\r", "").split("\n")
    return "\n".join(nfc(line) for line in lines).strip("\n")


def vn_decimal(value) -> str:
    """A number the Vietnamese way: no trailing zeros, a decimal comma ("1", "1,5")."""
    text = f"{value:f}" if not isinstance(value, str) else value
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def label_key(value: object) -> str:
    """Lower-case, diacritic- and punctuation-free form for matching spreadsheet headers and
    labels ("Mã đơn vị*" and "ma don vi" match)."""
    return re.sub(r"[^a-z0-9]+", " ", search_key(str(value))).strip()


def clip(value: str, limit: int) -> str:
    """`value` cut to `limit` characters, an ellipsis marking the cut (a derived title)."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
