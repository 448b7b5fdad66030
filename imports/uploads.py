"""An upload handler that refuses a file the moment it passes the size limit, as it streams
in: a 500 MB upload is never written whole to disk or memory (and nothing of it is kept)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitedUpload(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS. Passes each chunk on to Django's own handlers until the
    file is larger than IMPORT_MAX_BYTES, then stops the upload and notes the refusal on the
    request (`request.upload_refused`, the bytes received) for the view to say so."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = settings.IMPORT_MAX_BYTES

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_refused = start + len(raw_data)
            # Stop reading this file at once; the rest of the body is drained and dropped.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file
