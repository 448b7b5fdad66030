"""Helpers for reading responses in tests."""

from __future__ import annotations

from django.core.signals import request_finished
from django.db import close_old_connections


def close(response) -> None:
    """Close a response (a download holds its file open until then) without the end-of-request
    signal closing the test's database connection, as Django's test client itself does."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def read_all(response) -> bytes:
    """The whole body of a response, streamed or not, and the response closed."""
    try:
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content
    finally:
        close(response)


def paper(client, url: str):
    """A quarter's paper as a reader gets it: asked for (the worker builds it; in tests, at
    once), then downloaded. The response, still open."""
    client.post(url)
    return client.get(url)
