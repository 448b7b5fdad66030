"""The challenge and action files' columns: one contract for what the pages export and what
the import reads back (imports.challenges), so an export edited and uploaded again fits."""

# Which challenge and quarter a row is about.
KEYS = ["authority", "indicator", "period"]
# The text a challenge row carries (scrutiny.writes.SIDE_TEXT says which side writes which).
CHALLENGE_TEXT = ["classification", "council_comment", "questions", "provider_response"]
CHALLENGE_COLUMNS = [*KEYS, *CHALLENGE_TEXT]

ACTION_REQUIRED = [*KEYS, "action"]
ACTION_OPTIONAL = ["owner", "due_date", "status"]
ACTION_COLUMNS = [*ACTION_REQUIRED, *ACTION_OPTIONAL]
