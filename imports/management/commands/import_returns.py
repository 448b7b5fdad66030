import io
import zipfile
from pathlib import Path

from django.core.management.base import CommandError

from imports.childlevel.detect import kind_of
from imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Check and import a return (CSV or XLSX), or a child-level return (the CIN census XML, "
        "this year's and last year's; the SSDA903's CSV tables or a .zip of them), whose kind "
        "is read from the files; nothing is saved if anything is wrong."
    )
    kind = "returns"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("more", nargs="*", type=Path, help="further files of one return")
        parser.add_argument("--kind", choices=["returns", "cin", "ssda903"], help="force the kind")
        parser.add_argument(
            "--authority", default="", help="whose return (GSS code, DfE number or name)"
        )
        parser.add_argument(
            "--year",
            default="",
            help='what an SSDA903 covers: a financial year ("2016-17"), or an in-year '
            'return\'s quarter ("2017-18 Q3")',
        )

    def options_for(self, options) -> dict:
        found = super().options_for(options)
        if self.kind != "returns":
            found = {"authority": options.get("authority", ""), "year": options.get("year", "")}
        return found

    def handle(self, *args, file: Path, more: list[Path], kind: str | None, **options):
        files = [file, *more]
        try:
            contents = {path.name: path.read_bytes() for path in files}
        except OSError as error:
            raise CommandError(f"{error.filename}: {error.strerror}") from error
        self.kind = kind or kind_of(contents)
        if self.kind == "returns":
            if more:
                raise CommandError("A return of figures is one file: import them one at a time.")
            return super().handle(*args, file=file, **options)
        bundle = Path(f"{file.stem}.zip") if len(files) > 1 else file
        data = _zipped(contents) if len(files) > 1 else contents[file.name]
        return super().handle(*args, file=bundle, data=data, **options)


def _zipped(contents: dict[str, bytes]) -> bytes:
    """Several files of one return, bundled in memory for the one import (never on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return buffer.getvalue()
