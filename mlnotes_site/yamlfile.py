"""YAML reading shared by config and front matter: strings stay strings, duplicates are problems.

Timestamps are not resolved by YAML (an impossible date such as 2024-02-30 would raise deep
inside PyYAML); dates are parsed by `dates.py` with a precise message instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when PyYAML has it: ~10x faster
    pass


# Drop the timestamp resolver: dates come back as plain strings.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# Values a document may expand to through aliases ("billion laughs": 1 KB of nested anchors
# expands to billions of values and hangs the build). A real front matter or config has a few hundred.
EXPANSION_BUDGET = 100_000


@dataclass(frozen=True)
class YamlIssue:
    message: str
    line: int  # 0-based within the YAML text
    column: int  # 0-based


@dataclass
class YamlDoc:
    data: Any = None
    key_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> 0-based line
    issues: list[YamlIssue] = field(default_factory=list)


def load_yaml(text: str) -> YamlDoc:
    doc = YamlDoc()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return doc
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = str(key_node.value)
                    line = key_node.start_mark.line
                    if key in seen:
                        doc.issues.append(
                            YamlIssue(f"duplicate key '{key}' (first defined on line {seen[key] + 1})",
                                      line, key_node.start_mark.column))
                    seen[key] = line
                    doc.key_lines[key] = line
        bomb = _alias_bomb(node)
        if bomb is not None:
            doc.issues.append(bomb)
            return doc
        doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or str(exc)
        if exc.context:
            reason = f"{exc.context}, {reason}"
        doc.issues.append(YamlIssue(f"invalid YAML: {reason}", mark.line if mark else 0,
                                    mark.column if mark else 0))
        doc.data = None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        doc.issues.append(YamlIssue(f"invalid YAML: {exc}", 0, 0))
        doc.data = None
    except RecursionError:
        doc.issues.append(YamlIssue("invalid YAML: nested too deeply", 0, 0))
        doc.data = None
    finally:
        loader.dispose()
    return doc


def _alias_bomb(root: yaml.Node) -> YamlIssue | None:
    """An issue when aliases make the document expand past the budget, located at the anchored value
    repeated the most (the first one past the budget); linear in the node graph (each node sized once)."""
    sizes: dict[int, int] = {}
    reused: list[yaml.Node] = []
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative: a deep document must not exhaust the Python stack
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            total = 1 + sum(sizes.get(id(child), 0) for child in _children(node))
            sizes[key] = min(total, EXPANSION_BUDGET + 1)
            continue
        if key in sizes:
            reused.append(node)
            continue
        sizes[key] = 0  # in progress: a recursive alias adds nothing more
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    if sizes[id(root)] <= EXPANSION_BUDGET:
        return None
    worst = max(reused, key=lambda n: sizes[id(n)], default=root)
    return YamlIssue(f"anchors and aliases expand to more than {EXPANSION_BUDGET:,} values (an alias bomb?)",
                     worst.start_mark.line, worst.start_mark.column)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
