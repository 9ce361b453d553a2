"""UI strings per language (a site can override any of them in mlnotes.yaml) and date formats."""
from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from collections.abc import Mapping, Sequence

if TYPE_CHECKING:
    from mlnotes_site.config import Config

LANGUAGE_NAMES = {"zh": "中文", "en": "English", "ja": "日本語", "ko": "한국어", "fr": "Français",
                  "de": "Deutsch", "es": "Español", "ru": "Русский", "zh-TW": "繁體中文"}

LANG_CODE_RE = re.compile(r"[a-z]{2}(-[A-Za-z]{2,4})?")


class LangSuffix(NamedTuple):
    name: str  # without the language suffix (all of it when there is none)
    lang: str | None  # the suffix, when it is one of the site's languages
    looks_like_lang: bool  # the suffix looks like a language code (an unknown one if `lang` is None)


def split_lang_suffix(stem: str, languages: Sequence[str]) -> LangSuffix:
    """A file name (or path) without its `.md`, split at its language suffix:
    "ddim.zh" -> ("ddim", "zh", True), "a/ddim.zh" -> ("a/ddim", "zh", True), "v1.5" -> ("v1.5", None, False)."""
    name, dot, suffix = stem.rpartition(".")
    if not dot or not name or name.endswith("/") or "/" in suffix:
        return LangSuffix(stem, None, False)
    if suffix in languages:
        return LangSuffix(name, suffix, True)
    if LANG_CODE_RE.fullmatch(suffix):
        return LangSuffix(name, None, True)
    return LangSuffix(stem, None, False)


STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "latest": "最近更新", "topics": "主题", "tags": "标签", "all_topics": "全部主题", "all_tags": "全部标签",
        "updated": "更新于", "published": "发布于", "reading_time": "约 {n} 分钟", "notes_count": "{n} 篇",
        "toc": "目录", "previous": "上一篇", "next": "下一篇", "page": "第 {n} 页", "pagination": "分页",
        "newer": "较新", "older": "较早", "subtopics": "子主题", "notes": "笔记", "feed": "订阅",
        "copy": "复制", "copied": "已复制", "code_placeholder": "[代码]", "toggle_theme": "切换深色/浅色",
        "language": "语言", "untranslated_notice": "这篇笔记还没有中文版，已为你打开中文首页。",
        "only_in": "仅有{lang}版", "not_found": "页面不存在", "not_found_text": "找不到这个页面。",
        "back_home": "返回首页", "skip": "跳到正文", "draft": "草稿", "tagged": "标签：{tag}",
        "topic_notes": "{topic}", "home": "首页", "redirect": "页面已移动到",
        "callout_note": "注意", "callout_tip": "提示", "callout_important": "重要", "callout_warning": "警告",
        "callout_caution": "小心", "callout_info": "信息", "callout_abstract": "摘要", "callout_todo": "待办",
        "callout_success": "成功", "callout_question": "问题", "callout_failure": "失败",
        "backlinks": "被引用", "related": "相关笔记", "preview_of": "预览",
        "outdated_notice": "{name} 版在 {date} 更新过，晚于这篇译文（{since}），两者可能已有出入。",
        "outdated": "译文待更新",
        "callout_danger": "危险", "callout_bug": "缺陷", "callout_example": "示例", "callout_quote": "引用",
        "wikilink_unresolved": "未找到：没有名为“{name}”的笔记或文件",
        "menu": "菜单", "site_nav": "站点导航", "breadcrumbs": "所在位置", "dark_theme": "深色主题",
        "note_nav": "上一篇与下一篇", "formula_box": "公式（按回车复制 TeX）", "code_box": "代码",
        "table_box": "表格",
        "notebook_count": "执行顺序", "notebook_show_code": "显示代码", "notebook_show_output": "显示输出",
        "notebook_show_cell": "显示单元格", "notebook_interactive": "此处是交互式输出，静态页面无法显示。",
        "notebook_cut_lines": "…… 省略 {n} 行 ……", "notebook_cut_chars": "…… 省略 {n} 个字符 ……",
        "search": "搜索", "search_placeholder": "搜索笔记", "search_none": "没有找到相关笔记",
        "search_loading": "正在载入索引…", "search_error": "搜索暂时不可用", "search_results": "搜索结果",
    },
    "en": {
        "latest": "Latest updates", "topics": "Topics", "tags": "Tags", "all_topics": "All topics",
        "all_tags": "All tags", "updated": "Updated", "published": "Published", "reading_time": "{n} min read",
        "notes_count": "{n} notes", "toc": "Contents", "previous": "Previous", "next": "Next",
        "page": "Page {n}", "pagination": "Pagination", "newer": "Newer", "older": "Older",
        "subtopics": "Sub-topics", "notes": "Notes", "feed": "Feed", "copy": "Copy", "copied": "Copied",
        "code_placeholder": "[code]", "toggle_theme": "Toggle dark/light", "language": "Language",
        "untranslated_notice": "That note has no English version yet; here is the English home page.",
        "only_in": "{lang} only", "not_found": "Page not found", "not_found_text": "There is no page here.",
        "back_home": "Back to the home page", "skip": "Skip to content", "draft": "Draft",
        "tagged": "Tag: {tag}", "topic_notes": "{topic}", "home": "Home", "redirect": "This page has moved to",
        "callout_note": "Note", "callout_tip": "Tip", "callout_important": "Important", "callout_warning": "Warning",
        "callout_caution": "Caution", "callout_info": "Info", "callout_abstract": "Summary", "callout_todo": "To do",
        "callout_success": "Success", "callout_question": "Question", "callout_failure": "Failure",
        "backlinks": "Linked from", "related": "Related notes", "preview_of": "Preview",
        "outdated_notice": "The {name} version was updated on {date}, after this translation ({since}); they may differ.",
        "outdated": "Translation behind",
        "callout_danger": "Danger", "callout_bug": "Bug", "callout_example": "Example", "callout_quote": "Quote",
        "wikilink_unresolved": "Not found: no note or file is named “{name}”",
        "menu": "Menu", "site_nav": "Site", "breadcrumbs": "Breadcrumbs", "dark_theme": "Dark theme",
        "note_nav": "Previous and next note", "formula_box": "Formula (Enter copies its TeX)", "code_box": "Code",
        "table_box": "Table",
        "notebook_count": "Execution count", "notebook_show_code": "Show code", "notebook_show_output": "Show output",
        "notebook_show_cell": "Show cell", "notebook_interactive": "An interactive output is here; a static page "
        "cannot show it.", "notebook_cut_lines": "… {n} more lines not shown …",
        "notebook_cut_chars": "… {n} more characters not shown …",
        "search": "Search", "search_placeholder": "Search notes", "search_none": "No matching notes",
        "search_loading": "Loading the index…", "search_error": "Search is unavailable", "search_results": "Search results",
    },
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def strings_for(lang: str, config: Config | None = None) -> Mapping[str, str]:
    """The UI strings of a language: built-in table (English for unknown languages) + site overrides."""
    base = lang.split("-")[0]
    table = dict(STRINGS["en"])
    table.update(STRINGS.get(base, {}))
    table.update(STRINGS.get(lang, {}))
    if config is not None:
        table.update(config.strings.get(lang, {}))
    return table


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang) or LANGUAGE_NAMES.get(lang.split("-")[0]) or lang


def format_date(value: datetime, lang: str) -> str:
    if lang.startswith(("zh", "ja")):
        return f"{value.year}年{value.month}月{value.day}日"
    if lang.startswith("en"):
        return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"
    return value.strftime("%Y-%m-%d")
