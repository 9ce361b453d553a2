"""A corpus of bad inputs: each gives a clear, located problem (or is accepted), never a traceback,
and the rest of the site is still built."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlnotes_site.build import BuildOptions, build
from helpers import note, read, write_site

GOOD = note("Good", "2025-01-01", "the rest of the site")

# (file content, expected problem code or None when it must be accepted, expected line or None)
CASES: dict[str, tuple[str | bytes, str | None, int | None]] = {
    "unclosed-front-matter": ("---\ntitle: X\ndate: 2025-01-01\nbody\n", "front-matter/unclosed", 1),
    "tab-indented-yaml": ("---\ntitle: X\n\tdate: 2025-01-01\n---\n", "front-matter/yaml", 3),
    "invalid-yaml": ("---\ntitle: X: y: z\ndate: 2025-01-01\n---\n", "front-matter/yaml", 2),
    "yaml-is-a-list": ("---\n- a\n- b\n---\n", "front-matter/not-mapping", 2),
    "invalid-toml": ('+++\ntitle = "X"\ndate = 2025-01-01\ntags = [a, b]\n+++\n', "front-matter/toml", 4),
    "unclosed-toml": ('+++\ntitle = "X"\ndate = 2025-01-01\nbody\n', "front-matter/unclosed", 1),
    "toml-date-not-real": ('+++\ntitle = "X"\ndate = "2025-02-30"\n+++\n', "front-matter/date", 3),
    "yaml-is-a-scalar": ("---\njust text\n---\n", "front-matter/not-mapping", 2),
    "title-is-a-number": ("---\ntitle: 123\ndate: 2025-01-01\n---\n", "front-matter/type", 2),
    "date-yesterday": ("---\ntitle: X\ndate: yesterday\n---\n", "front-matter/date", 3),
    "date-feb-30": ("---\ntitle: X\ndate: 2024-02-30\n---\n", "front-matter/date", 3),
    "tags-as-string": ("---\ntitle: X\ndate: 2025-01-01\ntags: 扩散\n---\n", None, None),
    "duplicate-keys": ("---\ntitle: X\ndate: 2025-01-01\ntitle: Y\n---\n", "front-matter/duplicate-key", 4),
    "bom": ("\ufeff---\ntitle: X\ndate: 2025-01-01\n---\nbody\n", None, None),
    "crlf": ("---\r\ntitle: X\r\ndate: 2025-01-01\r\n---\r\nbody\r\n", None, None),
    "blank-line-before": ("\n\n---\ntitle: X\ndate: 2025-01-01\n---\nbody\n", "front-matter/leading-blank", 1),
    "front-matter-only": ("---\ntitle: X\ndate: 2025-01-01\n---\n", None, None),
    "empty-file": ("", "front-matter/missing-date", 1),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "content/binary", None),
    "invalid-utf8": (b"---\ntitle: X\ndate: 2025-01-01\n---\nok \xc3\x28 bad\n", "content/encoding", 5),
    "slug-escapes": ("---\ntitle: X\ndate: 2025-01-01\nslug: ../../etc\n---\n", "url/slug", 4),
    "slug-absolute": ("---\ntitle: X\ndate: 2025-01-01\nslug: /abs\n---\n", "url/slug", 4),
    "unclosed-fence": ("---\ntitle: X\ndate: 2025-01-01\n---\n```python\nprint(1)\n", None, None),
    "unclosed-dollar": ("---\ntitle: X\ndate: 2025-01-01\n---\ncost $5 and $x_1 never closed\n", None, None),
    "nested-quotes": ("---\ntitle: X\ndate: 2025-01-01\n---\n" + ">" * 10000 + " deep\n", None, None),
    # 2,000 levels (4 MB of indentation: past the size warning, under the limit); 10,000 made 95 MB
    "nested-lists": ("---\ntitle: X\ndate: 2025-01-01\n---\n" + "".join("  " * i + "- x\n" for i in range(2000)), None, None),
    "over-the-size-limit": ("---\ntitle: X\ndate: 2025-01-01\n---\n" + "x" * (21 << 20), "content/too-large", None),
    "emphasis-runs": ("---\ntitle: X\ndate: 2025-01-01\n---\n" + "*a **b " * 20000 + "\n" + "_" * 50000 + "\n", None, None),
    "huge-formula": ("---\ntitle: X\ndate: 2025-01-01\n---\n$$\n" + "x_{1} + " * 14000 + "1\n$$\n", None, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_a_located_problem_and_the_rest_builds(tmp_path, run_cli, name):
    text, code, line = CASES[name]
    site = write_site(tmp_path / "s", {"content/a/good.md": GOOD})
    path = site / "content/a/bad.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    started = time.monotonic()
    result = run_cli("build", site, "-o", site / "public")
    assert time.monotonic() - started < 60
    assert "Traceback" not in result.err
    if code is None:
        assert result.code == 0, result.err
        assert (site / "public/a/bad/index.html").is_file()
    else:
        assert f"[{code}]" in result.err, result.err
        where = "content/a/bad.md" + (f":{line}:" if line else "")
        assert where in result.err, result.err
        assert "hint:" in result.err
    # the good note is processed either way: built, or at least checked without its own problem
    assert "content/a/good.md" not in result.err
    if result.code == 0:
        assert "the rest of the site" in read(site / "public", "a/good/index.html")


def test_five_megabyte_note_builds_in_bounded_time(tmp_path, run_cli):
    paragraph = "扩散模型把数据逐步加噪，$x_t = \\sqrt{\\bar\\alpha_t}x_0$，再学会去噪。" * 20 + "\n\n"
    body = paragraph * (5_000_000 // len(paragraph.encode()))
    site = write_site(tmp_path / "s", {"content/a/huge.md": "---\ntitle: Huge\ndate: 2025-01-01\n---\n" + body})
    started = time.monotonic()
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0, result.err[:2000]
    assert time.monotonic() - started < 120
    assert (site / "public/a/huge/index.html").stat().st_size > 5_000_000


def test_symlink_loop_in_content_is_not_followed(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {"content/a/x.md": note("X", "2025-01-01")})
    os.symlink(site / "content", site / "content/a/loop")
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 0 and "warning[content/symlink]" in result.err and "content/a/loop" in result.err


def test_url_collisions_and_odd_slugs(tmp_path, run_cli):
    site = write_site(tmp_path / "s", {
        "content/a/DDIM.md": note("Upper", "2025-01-01"),
        "content/a/ddim.md": note("Lower", "2025-01-01"),
        "content/a/odd.md": note("Odd", "2025-01-01", slug="'what? #1 %done'"),
        "content/a/real.md": note("Real", "2025-01-01"),
        "content/a/alias.md": note("Alias", "2025-01-01", aliases="[/a/real/]"),
    })
    result = run_cli("build", site, "-o", site / "public")
    assert result.code == 1
    assert "error[url/duplicate]: 'a/ddim/index.html' is produced by 2 sources" in result.err
    assert "content/a/DDIM.md" in result.err and "content/a/ddim.md" in result.err
    assert "error[url/duplicate]: 'a/real/index.html'" in result.err and "alias /a/real/" in result.err
    site2 = write_site(tmp_path / "s2", {"content/a/odd.md": note("Odd", "2025-01-01", slug="'what? #1 %done'")})
    assert run_cli("build", site2, "-o", site2 / "public").code == 0
    assert (site2 / "public/a/what-1-done/index.html").is_file()


# --- property-based: random front matter and Markdown never crash the build ---------------------

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.dates().map(str),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6)
markdown_text = st.lists(st.sampled_from(list("ab 中文\n#*_`$\\[]()>|-!{}&<:~^") +
                                        ["\n\n", "$$", "\\(", "\\)", "\\[", "```", "> [!NOTE]", "- ", "| a | b |\n|---|---|\n",
                                         "\\begin{aligned}", "\\end{aligned}", "[x](y.md)", "<!-- more -->", "<b>", "💡"]),
                         max_size=80).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=st.dictionaries(st.sampled_from(["title", "date", "updated", "tags", "topics", "slug", "draft",
                                              "aliases", "toc", "weight", "summary", "lang", "macros", "x"]),
                             yaml_values, max_size=6),
       body=markdown_text)
def test_random_notes_never_crash(tmp_path_factory, front, body):
    import yaml
    site = tmp_path_factory.mktemp("h")
    fm = yaml.safe_dump(front, allow_unicode=True) if front else ""
    text = f"---\n{fm}---\n{body}"
    write_site(site, {"content/a/r.md": text, "content/a/good.md": GOOD})
    result = build(BuildOptions(site, site / "public", jobs=1))
    lines = text.count("\n") + 1
    for problem in result.problems:
        if problem.path == "content/a/r.md":
            assert 0 <= problem.line <= lines and problem.column >= 0, problem.format()
    if result.written:
        for page in (site / "public").rglob("*.html"):
            page.read_bytes().decode("utf-8")  # valid UTF-8
        assert (site / "public/a/good/index.html").is_file()
