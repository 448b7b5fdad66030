"""An upload handler that refuses a file too large to import without reading it: at once
where the request says how long it is, and the moment it passes the size limit where it
does not (chunked). A 2 GB upload is neither read to its end nor written to disk or memory,
and nothing of it is kept."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# The upload form's own fields and the multipart framing around the file, well over what
# they take: a request declaring more than the limit and this is refused before the file.
FORM_HEADROOM = 64 * 1024


class SizeLimitedUpload(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS. Passes each chunk on to Django's own handlers until the
    file is larger than IMPORT_MAX_BYTES, then stops the upload and notes the refusal on the
    request (`request.upload_refused`, the bytes the request declared or had sent) for the
    view to say so. The form's fields before the file (its CSRF token among them) are read as
    usual; the rest of the body is not read at all (`connection_reset`): the refusal is
    answered at once, and the server closes the connection after it."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = settings.IMPORT_MAX_BYTES
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
        self.declared = content_length or 0

    def new_file(self, *args, **kwargs):
        if self.declared > self.limit + FORM_HEADROOM:
            self.request.upload_refused = self.declared
            raise StopUpload(connection_reset=True)
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_refused = start + len(raw_data)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file
