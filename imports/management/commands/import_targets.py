from imports.command import ImportCommand


class Command(ImportCommand):
    help = "Check and import a targets file (CSV or XLSX); nothing is saved if any row is wrong."
    kind = "targets"
