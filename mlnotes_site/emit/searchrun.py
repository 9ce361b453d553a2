"""Runs Pagefind for emit/search.py in a small process of its own (a fresh interpreter, started
with Popen: the build's memory is never shared with a copy of it): Pagefind, then, when its output
is in memory (/dev/shm), the copy of the index into the cache folder and the removal of the memory
folder, all while the build goes on writing pages. Exits with Pagefind's status; reaping it
(wait4) counts Pagefind's CPU time and memory too.

    python -m mlnotes_site.emit.searchrun MEMORY_FOLDER CACHE_FOLDER -- PAGEFIND ARGS...

(MEMORY_FOLDER empty: Pagefind writes into the cache folder itself, nothing to copy.) Imports
only the standard library's os, shutil and subprocess: it starts in a few hundredths of a second.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys


def write_file(path: str, data: bytes | memoryview) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def read_file(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = [os.read(fd, os.fstat(fd).st_size + 1)]
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 20))
        return b"".join(chunks)
    finally:
        os.close(fd)


def copy_index(ram: str, making: str) -> None:
    """The index Pagefind made in `ram/index`, into the cache folder it was meant for: the content
    of each file only, no permission bits or times, by plain system calls (shutil.copytree's checks
    per file cost four times as much CPU for Pagefind's 1,000+ small files)."""
    source = os.path.join(ram, "index")
    for dirpath, _dirnames, filenames in os.walk(source):
        target = os.path.join(making, os.path.relpath(dirpath, source))
        os.makedirs(target, exist_ok=True)
        for name in filenames:
            write_file(os.path.join(target, name), read_file(os.path.join(dirpath, name)))


def main(argv: list[str]) -> int:
    ram, making, dashes, *command = argv
    if dashes != "--" or not command:
        print("usage: searchrun MEMORY_FOLDER CACHE_FOLDER -- PAGEFIND ARGS...", file=sys.stderr)
        return 2
    code = subprocess.call(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    if ram:
        try:
            if code == 0:
                copy_index(ram, making)
        except OSError as exc:
            print(f"cannot copy the search index out of memory: {exc}", file=sys.stderr)
            code = 1
        finally:
            shutil.rmtree(ram, ignore_errors=True)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
