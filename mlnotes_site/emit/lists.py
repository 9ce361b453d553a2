"""List pages: latest updates, topic pages, tag pages, the topics tree and the tags index."""
from __future__ import annotations

from typing import Any
from collections.abc import Callable, Iterator

from markupsafe import Markup

from mlnotes_site.i18n import strings_for
from mlnotes_site.index.site import Item
from mlnotes_site.emit import Output
from mlnotes_site.emit.context import Pages, page_count, paginate, pager


def _paged(pages: Pages, template: str, items: list[Item], lang: str, path_of: Callable[[int], str],
           title: str, alternates_of: Callable[[int], dict[str, str]], kind: str, origin: str,
           first: dict[str, Any] | None = None, first_has_math: bool = False, **extra: Any) -> Iterator[Output]:
    """One page per chunk of items. `extra` goes to the template and into the fingerprint; `first`
    likewise, on the first page only (whose formulas, if it has any, `first_has_math` says)."""
    chunks = paginate(items, pages.config.paginate)
    for number, chunk in enumerate(chunks, start=1):
        own = dict(first or {}) if number == 1 else {}
        inputs = (template, kind, lang, title, number, len(chunks), alternates_of(number), extra, own,
                  [(pages.listing(item.note), item.foreign, pages.relations.outdated(item.note) is not None)
                   for item in chunk])

        def make(number: int = number, chunk: list[Item] = chunk, own: dict[str, Any] = own) -> Output:
            entries = [pages.item(item, lang) for item in chunk]
            return pages.render(
                template, lang=lang, path=path_of(number), title=title, alternates=alternates_of(number),
                kind=kind, origin=origin,
                has_math=any(e["has_math"] for e in entries) or (number == 1 and first_has_math),
                entries=entries, pager=pager(number, len(chunks), lambda n: pages.href(path_of(n))),
                page_number=number, **extra, **own)

        yield pages.output(path_of(number), origin, inputs, make, template)


def latest_pages(pages: Pages) -> Iterator[Output]:
    urls = pages.urls
    for lang in pages.config.languages:
        items = pages.site.latest(lang)
        sizes = {other: page_count(len(pages.site.latest(other)), pages.config.paginate)
                 for other in pages.config.languages}
        yield from _paged(
            pages, "list.html", items, lang, lambda n, lang=lang: urls.home(lang, n),
            pages.config.site_title(lang),
            lambda n, sizes=sizes: {other: urls.home(other, n) for other in pages.config.languages if n <= sizes[other]},
            kind="home", origin="latest updates", heading=pages.config.site_title(lang),
            subheading=pages.config.description.get(lang, ""), feed=pages.href(urls.feed(lang)))


def topic_pages(pages: Pages) -> Iterator[Output]:
    site, urls = pages.site, pages.urls
    for topic in sorted(t for t in site.topics if t):
        for lang in pages.config.languages:
            items = site.in_topic(topic, lang)
            sizes = {other: page_count(site.topic_count(topic, other), pages.config.paginate)
                     for other in pages.config.languages}
            described = site.topic_description(topic, lang)
            parents: list[dict[str, str]] = []
            parent = site.topics[topic].parent
            while parent:
                parents.insert(0, {"title": site.topic_title(parent, lang), "href": pages.href(urls.topic(parent, lang))})
                parent = site.topics[parent].parent
            yield from _paged(
                pages, "list.html", items, lang, lambda n, lang=lang, topic=topic: urls.topic(topic, lang, n),
                site.topic_title(topic, lang),
                lambda n, topic=topic, sizes=sizes: {other: urls.topic(topic, other, n)
                                                     for other in pages.config.languages if n <= sizes[other]},
                kind="topic", origin=f"content/{topic}/",
                heading=site.topic_title(topic, lang),
                description=described.text if described else "",  # the meta description: plain text
                first={"topic_description": Markup(described.html) if described else ""},
                first_has_math=bool(described and described.has_math),
                parents=parents,
                subtopics=[{"title": c.title(lang, pages.config.default_language),
                            "href": pages.href(urls.topic(c.path, lang)), "count": site.topic_count(c.path, lang)}
                           for c in site.children(topic, lang)],
                feed=pages.href(urls.topic_feed(topic, lang)))


def tag_pages(pages: Pages) -> Iterator[Output]:
    site, urls, per_page = pages.site, pages.urls, pages.config.paginate
    tags_by_lang = {lang: site.tags(lang) for lang in pages.config.languages}
    counts = {lang: {tag.slug: len(items) for tag, items in tags.items()} for lang, tags in tags_by_lang.items()}
    for lang, tags in tags_by_lang.items():
        for tag, items in tags.items():
            yield from _paged(
                pages, "list.html", items, lang, lambda n, tag=tag, lang=lang: urls.tag(tag.name, lang, n), f"#{tag.name}",
                lambda n, tag=tag: {other: urls.tag(tag.name, other, n) for other in pages.config.languages
                                    if tag.slug in counts[other] and n <= page_count(counts[other][tag.slug], per_page)},
                kind="tag", origin=f"tag {tag.name}", heading=f"#{tag.name}",
                # nested tags (Obsidian's `#ml/diffusion`): the `ml` page shows its children
                subtags=[{"name": child.name, "href": pages.href(urls.tag(child.name, lang)), "count": len(listed)}
                         for child, listed in tags.items() if child.name.rpartition("/")[0] == tag.name])
        listed = [{"name": tag.name, "href": pages.href(urls.tag(tag.name, lang)), "count": len(items)}
                  for tag, items in sorted(tags.items(), key=lambda kv: (-len(kv[1]), kv[0].slug))]
        yield pages.output(urls.tags(lang), "tags index", ("tags", lang, listed), lambda lang=lang, listed=listed: pages.render(
            "tags.html", lang=lang, path=urls.tags(lang), title=strings_for(lang, pages.config)["all_tags"],
            alternates={other: urls.tags(other) for other in pages.config.languages}, kind="tags",
            origin="tags index", tags=listed), "tags.html")


def topics_index(pages: Pages) -> list[Output]:
    site, urls = pages.site, pages.urls
    outputs = []
    for lang in pages.config.languages:
        def tree(topic: str, lang: str = lang) -> list[dict[str, Any]]:
            return [{"title": c.title(lang, pages.config.default_language), "href": pages.href(urls.topic(c.path, lang)),
                     "count": site.topic_count(c.path, lang), "children": tree(c.path, lang)}
                    for c in site.children(topic, lang)]
        shown = tree("")
        outputs.append(pages.output(urls.topics(lang), "topics index", ("topics", lang, shown),
                                    lambda lang=lang, shown=shown: pages.render(
            "topics.html", lang=lang, path=urls.topics(lang), title=strings_for(lang, pages.config)["all_topics"],
            alternates={other: urls.topics(other) for other in pages.config.languages}, kind="topics",
            origin="topics index", tree=shown), "topics.html"))
    return outputs


def not_found_pages(pages: Pages) -> list[Output]:
    return [pages.output(pages.urls.not_found(lang), "404 page", ("404", lang), lambda lang=lang: pages.render(
                "404.html", lang=lang, path=pages.urls.not_found(lang), title=strings_for(lang, pages.config)["not_found"],
                alternates={other: pages.urls.not_found(other) for other in pages.config.languages},
                kind="404", origin="404 page"), "404.html")
            for lang in pages.config.languages]
