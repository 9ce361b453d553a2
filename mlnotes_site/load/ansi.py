"""Terminal text (ANSI escape codes, as in Python tracebacks and progress bars) as HTML: colours and
bold become spans with classes, every other escape sequence is dropped, so no raw escape code
reaches a page."""
from __future__ import annotations

import re
from html import escape

# CSI sequences (ESC [ params final), OSC sequences (ESC ] ... BEL or ESC \), and lone two-byte escapes
_ESCAPE_RE = re.compile(r"\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # what is left of control characters (not \t, \n)
COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def _xterm(n: int) -> str:
    """One of the 256 xterm colours as CSS (16..231 a 6x6x6 cube, 232..255 greys)."""
    if n < 16:
        return ""
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return f"rgb({steps[n // 36]},{steps[n // 6 % 6]},{steps[n % 6]})"
    grey = 8 + (n - 232) * 10
    return f"rgb({grey},{grey},{grey})"


class _Style:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.fg: str | None = None  # a class name part ("red", "bright-red") or a CSS colour
        self.bg: str | None = None
        self.bold = self.italic = self.underline = False

    def apply(self, params: str) -> None:
        codes = [int(c) if c.isdigit() else 0 for c in params.replace(":", ";").split(";")] if params else [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.reset()
            elif code == 1:
                self.bold = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 22:
                self.bold = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif 30 <= code <= 37:
                self.fg = COLOURS[code - 30]
            elif 90 <= code <= 97:
                self.fg = "bright-" + COLOURS[code - 90]
            elif 40 <= code <= 47:
                self.bg = COLOURS[code - 40]
            elif 100 <= code <= 107:
                self.bg = "bright-" + COLOURS[code - 100]
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif code in (38, 48) and i + 1 < len(codes):
                colour: str | None = None
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    n = codes[i + 2]
                    colour = (("bright-" if n >= 8 else "") + COLOURS[n % 8]) if n < 16 else _xterm(min(n, 255))
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    r, g, b = (min(c, 255) for c in codes[i + 2:i + 5])
                    colour = f"rgb({r},{g},{b})"
                    i += 4
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def span(self) -> str:
        classes, styles = [], []
        for value, kind, prop in ((self.fg, "fg", "color"), (self.bg, "bg", "background-color")):
            if value is None:
                continue
            if value.startswith("rgb("):
                styles.append(f"{prop}:{value}")
            else:
                classes.append(f"ansi-{value}-{kind}")
        classes += [name for name, on in (("ansi-bold", self.bold), ("ansi-italic", self.italic),
                                          ("ansi-underline", self.underline)) if on]
        if not classes and not styles:
            return ""
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        attrs += f' style="{";".join(styles)}"' if styles else ""
        return f"<span{attrs}>"


def ansi_to_html(text: str) -> str:
    """Escaped HTML of terminal text with its SGR colours as spans; spans never cross a line break,
    so the result may be cut or joined by lines."""
    out: list[str] = []
    style = _Style()
    pos = 0

    def emit(chunk: str) -> None:
        chunk = _CONTROL_RE.sub("", chunk)
        if not chunk:
            return
        opener = style.span()
        for k, line in enumerate(chunk.split("\n")):
            if k:
                out.append("\n")
            if line:
                out.append(f"{opener}{escape(line, quote=False)}</span>" if opener else escape(line, quote=False))

    for match in _ESCAPE_RE.finditer(text):
        emit(text[pos:match.start()])
        pos = match.end()
        if match.group(2) == "m":
            style.apply(match.group(1))
    emit(text[pos:])
    return "".join(out)


def strip_ansi(text: str) -> str:
    return _CONTROL_RE.sub("", _ESCAPE_RE.sub("", text))


def terminal_lines(text: str) -> str:
    """What a terminal shows of a stream: a carriage return goes back to the line's start, so a
    progress bar shows its last state (escape codes are kept for `ansi_to_html`)."""
    text = text.replace("\r\n", "\n")
    if "\r" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            parts = [p for p in line.split("\r")]
            shown = ""
            for part in parts:  # each part overwrites the start of what was there
                shown = part + shown[len(part):] if part else shown
            line = shown
        lines.append(line)
    return "\n".join(lines)
