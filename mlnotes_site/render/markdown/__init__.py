"""The markdown-it-py instance: CommonMark + GFM bits + our plugins, one small module each."""
from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from mlnotes_site.render.markdown.autolinks import autolinks_plugin
from mlnotes_site.render.markdown.callouts import callouts_plugin
from mlnotes_site.render.markdown.cjk import cjk_plugin
from mlnotes_site.render.markdown.code import code_plugin
from mlnotes_site.render.markdown.comments import comments_plugin
from mlnotes_site.render.markdown.embeds import embeds_plugin
from mlnotes_site.render.markdown.figures import figures_plugin
from mlnotes_site.render.markdown.headings import headings_plugin
from mlnotes_site.render.markdown.highlight import highlight_plugin
from mlnotes_site.render.markdown.labels import labels_plugin
from mlnotes_site.render.markdown.dispatch import dispatch_plugin
from mlnotes_site.render.markdown.links import links_plugin
from mlnotes_site.render.markdown.math import PIPE, math_plugin, restore_pipes
from mlnotes_site.render.markdown.nobreak import nobreak_plugin
from mlnotes_site.render.markdown.rawhtml import rawhtml_plugin
from mlnotes_site.render.markdown.subsup import subsup_plugin
from mlnotes_site.render.markdown.tables import tables_plugin
from mlnotes_site.render.markdown.tabs import tabs_plugin
from mlnotes_site.render.markdown.wikilinks import wikilinks_plugin

__all__ = ["create_markdown", "PIPE", "restore_pipes"]


@lru_cache(maxsize=1)
def create_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.use(labels_plugin)  # markdown-it's link label search, remembered (linear on runs of brackets)
    md.use(dispatch_plugin)  # each inline rule asked only at the characters it can start at
    md.use(autolinks_plugin)
    md.use(comments_plugin)  # before math (see comments.py)
    md.use(math_plugin)
    md.use(callouts_plugin)
    md.use(tabs_plugin)
    md.use(footnote_plugin)
    md.use(tasklists_plugin, label=True)  # the item's text labels its checkbox
    md.use(deflist_plugin)
    md.use(subsup_plugin)
    md.use(headings_plugin)
    md.use(code_plugin)
    md.use(highlight_plugin)
    md.use(wikilinks_plugin)
    md.use(figures_plugin)  # after the image rules (wikilinks' sizes too), before the links rule
    md.use(links_plugin)
    md.use(embeds_plugin)  # after the links rule: an embed is marked by its link's index
    md.use(rawhtml_plugin)
    md.use(tables_plugin)
    md.use(cjk_plugin)  # last: sees the inline tokens every other rule made
    md.use(nobreak_plugin)
    return md
