"""Files written whole or not at all: a complete temporary file renamed into place."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path

TEMPORARY = re.compile(r"\..+\.[0-9a-f]{32}")  # the name of a file still being written


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` make a temporary file beside ``path``, then rename it into place.

    A reader sees the old file or the new one, never half of one; a write that fails
    leaves neither a half file nor the temporary one.
    """
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        write(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)  # gone unless the write or the rename failed
