"""Tables sit in a box of their own that scrolls sideways when the table is wider than the column,
so cells keep a readable width instead of squeezing (the theme styles `.table-wrap`)."""
from __future__ import annotations

from markdown_it import MarkdownIt


def tables_plugin(md: MarkdownIt) -> None:
    def table_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        return '<div class="table-wrap">' + self.renderToken(tokens, idx, options, env)

    def table_close(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        return self.renderToken(tokens, idx, options, env) + "</div>\n"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
