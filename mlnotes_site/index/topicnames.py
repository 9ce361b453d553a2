"""Which topic a name in a note's `topics:` means.

Obsidian users name a folder's topic in front matter the way they see it (`topics: [Computer
Science]` for `content/computer-science/`); taken literally that is a second topic with the same URL.
A name means an existing topic when it matches the topic's path (its URL slug, that is), its title in
any language, or its folder's name, ignoring case, spaces and punctuation; only a name that matches
none makes a topic, once however it is spelled.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_NOT_LETTER = re.compile(r"[\W_]+")  # \W is Unicode-aware: Han and other letters stay


def name_key(name: str) -> str:
    """How topic names compare: per path segment, case-folded, without spaces or punctuation."""
    text = unicodedata.normalize("NFKC", name).casefold().strip("/")
    return "/".join(_NOT_LETTER.sub("", part) for part in text.split("/"))


def topic_for_names(existing: Iterable[str], titles: Mapping[str, Iterable[str]],
                    names: Iterable[str]) -> dict[str, str]:
    """Each of `names` (as written, in a stable order) -> the topic path it means.

    `existing`: the topics that folders make (paths like "ml/diffusion"); `titles`: their titles in
    every language. A match by path comes first, then by title, then by folder name; when several
    topics match at one level, the one nearest the top of content/ (then by path) wins. A new name is
    a topic of its own, written as its first spelling.
    """
    by_path: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    by_folder: dict[str, list[str]] = {}
    for topic in existing:
        if not topic:
            continue
        by_path.setdefault(name_key(topic), []).append(topic)
        by_folder.setdefault(name_key(topic.rsplit("/", 1)[-1]), []).append(topic)
        for title in titles.get(topic, ()):
            by_title.setdefault(name_key(title), []).append(topic)
    meant: dict[str, str] = {}
    new: dict[str, str] = {}
    for name in names:
        if name in meant:
            continue
        key = name_key(name)
        found = by_path.get(key) or by_title.get(key) or by_folder.get(key)
        if found:
            meant[name] = min(found, key=lambda t: (t.count("/"), t))
        else:
            meant[name] = new.setdefault(key, name) if key.replace("/", "") else name
    return meant
