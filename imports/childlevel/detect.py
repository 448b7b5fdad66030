"""Which kind of return some files are, from what they hold (the command line's files; the
upload page asks)."""

from __future__ import annotations

import io
import zipfile

SSDA903_HEADERS = ("CHILD,",)  # every SSDA903 table begins with the child's id


def kind_of(contents: dict[str, bytes]) -> str:
    """ "cin" if any file is a CIN census, else "ssda903" if any is an SSDA903 table, else
    "returns"."""
    kinds = {_kind(name, data) for name, data in contents.items()}
    return next((kind for kind in ("cin", "ssda903") if kind in kinds), "returns")


def _kind(name: str, data: bytes) -> str:
    if name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = {
                    m.filename: archive.read(m)[:4096]
                    for m in archive.infolist()[:20]
                    if not m.is_dir()
                }
        except zipfile.BadZipFile:
            return "returns"
        return kind_of(members) if members else "returns"
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") and b"<Collection>CIN" in data[:2000]:
        return "cin"
    if head.startswith(b"<") and (b"<EXPSSDA903" in head or b"<EPISODE>" in data[:20000]):
        return "ssda903"
    if head.upper().startswith(SSDA903_HEADERS[0].encode()):
        return "ssda903"
    return "returns"
