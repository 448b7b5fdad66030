"""A checked file's rows to write, kept between the check and the confirm.

At the confirm, if nothing that a check or a diff reads has changed since (the data version
has not moved, core.versions), and the kept file is still the file that was checked (its
SHA-256), the plan is written as it stands: a second full check of the file would find
exactly what the first found. Anything else, and the file is checked again from the start.

The plan is a NumPy archive read with `allow_pickle=False`: numbers as arrays, text as
codes into a table of distinct texts held as one UTF-8 block — never a pickle, so a file in
storage can only ever be data."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd


def dump(frame: pd.DataFrame) -> bytes:
    """Every column of `frame`: integer, float and boolean columns as they are, any other
    as text."""
    arrays: dict[str, np.ndarray] = {}
    arrays["_columns"], arrays["o:_columns"] = _pack([str(c) for c in frame.columns])
    for column in frame.columns:
        series = frame[column]
        kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else ""
        if kind and kind in "ifb":
            arrays[f"n:{column}"] = series.to_numpy()
            continue
        codes, uniques = pd.factorize(series.fillna("").astype(str), sort=False)
        blob, offsets = _pack([str(u) for u in uniques])
        arrays[f"c:{column}"] = codes.astype(np.int32)
        arrays[f"u:{column}"] = blob
        arrays[f"o:{column}"] = offsets
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def load(data: bytes) -> pd.DataFrame:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        names = _unpack(archive["_columns"], archive["o:_columns"])
        columns = {}
        for name in names:
            if f"n:{name}" in archive:
                columns[name] = archive[f"n:{name}"]
            else:
                uniques = np.array(
                    _unpack(archive[f"u:{name}"], archive[f"o:{name}"]), dtype=object
                )
                columns[name] = pd.Series(uniques[archive[f"c:{name}"]], dtype=str)
    return pd.DataFrame(columns)


def _pack(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [text.encode("utf-8") for text in texts]
    offsets = np.cumsum([0, *(len(e) for e in encoded)]).astype(np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _unpack(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
