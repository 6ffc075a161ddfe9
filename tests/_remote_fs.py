"""A Beam filesystem that behaves like an object store (no directories, listing by prefix)
but keeps its objects in a local directory: `fakeremote:///tmp/x` is the file `/tmp/x`.
Tests use it to drive the code paths a gs:// or s3:// run takes, offline."""
from __future__ import annotations

import os
import shutil

from apache_beam.io.filesystem import BeamIOError, FileMetadata
from apache_beam.io.localfilesystem import LocalFileSystem

SCHEME = "fakeremote://"


def _local(url: str) -> str:
    assert url.startswith(SCHEME), url
    return url[len(SCHEME):]


class FakeRemoteFileSystem(LocalFileSystem):
    @classmethod
    def scheme(cls):
        return "fakeremote"

    def has_dirs(self):
        return False

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/"), *(p.strip("/") for p in paths)])

    def split(self, path):
        head, _, tail = path.rpartition("/")
        return head, tail

    def mkdirs(self, path):
        pass  # an object store has no directories

    def _list(self, dir_or_prefix):
        prefix = _local(dir_or_prefix)
        root = prefix if prefix.endswith("/") else os.path.dirname(prefix)
        for directory, _, names in os.walk(root or "/"):
            for name in names:
                path = os.path.join(directory, name)
                if path.startswith(prefix):
                    yield FileMetadata(SCHEME + path, os.path.getsize(path), os.path.getmtime(path))

    def create(self, path, *args, **kwargs):
        return super().create(_local(path), *args, **kwargs)

    def open(self, path, *args, **kwargs):
        return super().open(_local(path), *args, **kwargs)

    def copy(self, source_file_names, destination_file_names):
        return super().copy([_local(p) for p in source_file_names], [_local(p) for p in destination_file_names])

    def rename(self, source_file_names, destination_file_names):
        for destination in destination_file_names:
            os.makedirs(os.path.dirname(_local(destination)), exist_ok=True)
        return super().rename([_local(p) for p in source_file_names],
                              [_local(p) for p in destination_file_names])

    def exists(self, path):
        return super().exists(_local(path))

    def size(self, path):
        return super().size(_local(path))

    def last_updated(self, path):
        return super().last_updated(_local(path))

    def checksum(self, path):
        return super().checksum(_local(path))

    def metadata(self, path):
        found = super().metadata(_local(path))
        return FileMetadata(path, found.size_in_bytes, found.last_updated_in_seconds)

    def delete(self, paths):
        missing = {}
        for url in paths:
            path = _local(url)
            if os.path.isdir(path):
                if any(names for _, _, names in os.walk(path)):  # a prefix is no object
                    missing[url] = OSError(f"no such object: {url}")
                else:
                    shutil.rmtree(path)  # only empty folders, an artefact of the emulation
            elif os.path.lexists(path):
                os.remove(path)
            else:
                missing[url] = OSError(f"no such object: {url}")
        if missing:
            raise BeamIOError("Delete operation failed", missing)
