from imports.command import ImportCommand


class Command(ImportCommand):
    help = "Check and import a file from DfE's statistics service; all or nothing."
    kind = "ees"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--mapping", help="mapping name in ees_mappings.toml (default: detect)")

    def options_for(self, options) -> dict:
        return {**super().options_for(options), "mapping": options.get("mapping")}
