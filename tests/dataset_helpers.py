"""Helpers the dataset tests share: writing a file, and checking a refusal's one-line message."""
import pytest

from engine.errors import DatasetError


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def assert_error(call, *fragments):
    with pytest.raises(DatasetError) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "\n" not in message
    return message
