"""Notebooks written by the tests with nbformat itself, as Jupyter would save them."""
from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

PANDAS_HTML = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type { vertical-align: middle; }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;"><th></th>""" + "".join(f"<th>feature_{i:02d}</th>" for i in range(24)) + """</tr>
  </thead>

  <tbody>
""" + "".join("    <tr><th>{}</th>{}</tr>\n".format(r, "".join(f"<td>{r * 0.137 + c:.4f}</td>" for c in range(24)))
              for r in range(5)) + """  </tbody>
</table>
<p>5 rows × 24 columns</p>
</div>"""

TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[4], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m",
    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
]


def png(width: int, height: int, rgb: tuple[int, int, int] = (40, 90, 200), noise: bool = False) -> bytes:
    """A valid PNG (no image library needed); with `noise`, rows that do not compress (for size)."""
    rows = []
    for y in range(height):
        if noise:
            seed = (y * 2654435761) & 0xFFFFFFFF
            row = bytearray()
            for _ in range(width * 3):
                seed = (seed * 1103515245 + 12345) & 0xFFFFFFFF
                row.append(seed >> 24)
            rows.append(b"\x00" + bytes(row))
        else:
            rows.append(b"\x00" + bytes(rgb) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def python_notebook(minor: int = 5) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.nbformat_minor = minor
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11"}
    return nb


def write(path: Path, nb: nbformat.NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if nb.nbformat_minor < 5:  # 4.4 has no cell ids
        for cell in nb.cells:
            cell.pop("id", None)
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    return path


def softmax_zh() -> nbformat.NotebookNode:
    """nbformat 4.5, front matter in the first Markdown cell, every kind of output, every tag."""
    nb = python_notebook(5)
    nb.cells = [
        new_markdown_cell("---\ntitle: Softmax 的导数\ndate: 2025-03-02\ntags: [softmax, 数值检验]\n---\n"
                          "Softmax 的雅可比矩阵是 $\\partial_j s_i = s_i(\\delta_{ij} - s_j)$，下面用差分数值检验。\n\n"
                          "参见 [[notes]]。"),
        new_code_cell("import numpy as np\nx = np.array([1.0, 2.0, 3.0])\nprint('loss', 0.25)", execution_count=1,
                      outputs=[new_output("stream", name="stdout", text="loss 0.25\n"),
                               new_output("stream", name="stderr",
                                          text="epoch 1: 10%\repoch 1: 50%\repoch 1: 100%\n")]),
        new_code_cell("secret_setup()  # REMOVED-CELL", execution_count=2, metadata={"tags": ["remove-cell"]},
                      outputs=[new_output("stream", name="stdout", text="REMOVED-CELL-OUTPUT\n")]),
        new_code_cell("df  # table", execution_count=3, outputs=[new_output(
            "execute_result", execution_count=3, data={"text/html": PANDAS_HTML, "text/plain": "   feature_00 ..."})]),
        new_code_cell("1/0", execution_count=4, outputs=[new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=TRACEBACK)]),
        new_code_cell("plot(x)  # HIDDEN-INPUT", execution_count=5, metadata={"tags": ["hide-input"]},
                      outputs=[new_output("display_data", data={"image/png": b64(png(120, 60)),
                                                                "text/plain": "<Figure size 120x60 with 1 Axes>"})]),
        new_code_cell("display(Math(r'\\sum_i s_i = 1'))  # REMOVED-INPUT", execution_count=6,
                      metadata={"tags": ["remove-input"]},
                      outputs=[new_output("display_data", data={"text/latex": "$$\\sum_i s_i = 1$$",
                                                                "text/plain": "<IPython.core.display.Math object>"})]),
        new_code_cell("noisy()  # KEPT-INPUT", execution_count=7, metadata={"tags": ["remove-output"]},
                      outputs=[new_output("stream", name="stdout", text="REMOVED-OUTPUT\n")]),
        new_code_cell("slider", execution_count=8, outputs=[new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/plain": "IntSlider(value=0)"})]),
        new_code_cell("Markdown('**粗体** 与 $e^{i\\\\pi}$')", execution_count=9, outputs=[new_output(
            "execute_result", execution_count=9, data={"text/markdown": "**粗体** 与 $e^{i\\pi}$",
                                                       "text/plain": "<Markdown>"})]),
        new_code_cell("for i in range(1000): print(i)", execution_count=10, outputs=[new_output(
            "stream", name="stdout", text="".join(f"line {i}\n" for i in range(1000)))]),
        new_code_cell("html_with_script()", execution_count=11, outputs=[new_output("display_data", data={
            "text/html": "<div class=\"custom\">SAFE-PART<script>window.NB_SCRIPT_RAN = 1</script></div>",
            "text/plain": "x"})]),
        new_raw_cell("\\newpage  % RAW-LATEX", metadata={"format": "text/latex"}),
    ]
    return nb


def softmax_en() -> nbformat.NotebookNode:
    """nbformat 4.4 (no cell ids), title from the notebook's metadata, no front matter."""
    nb = python_notebook(4)
    nb.metadata["title"] = "Softmax derivative"
    nb.metadata["authors"] = [{"name": "Ada"}]
    nb.metadata["date"] = "2025-03-01"
    nb.cells = [
        new_markdown_cell("The Jacobian is $\\partial_j s_i = s_i(\\delta_{ij} - s_j)$; checked numerically below."),
        new_code_cell("print(1)", execution_count=1, outputs=[new_output("stream", name="stdout", text="1\n")]),
        new_code_cell("plot(x)", execution_count=2, outputs=[new_output(
            "display_data", data={"image/png": b64(png(120, 60)), "text/plain": "<Figure>"},
            metadata={"image/png": {"width": 60, "height": 30}})]),
    ]
    return nb
